"""The ready-made QGIS project and the collections' styles, pointed at the server that serves them.

ogc/qgis/ holds what PyQGIS wrote (scripts/qgis_project.py, `make qgis-project`): the project
(.qgs) and a QML and an SLD style per collection, with the server's base URL as placeholders;
each request fills in its own base URL, so the project opens against whichever host served it.
"""

import io
import zipfile
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent / "qgis"
RAW, ENCODED = "__OGC_BASE__", "__OGC_BASE_ENCODED__"
STYLE_TYPES = {"qml": "application/vnd.qgis.qml", "sld": "application/vnd.ogc.sld+xml"}


def _filled(text: str, base: str) -> str:
    return text.replace(ENCODED, quote(base, safe="")).replace(RAW, base)


def project_qgs(base: str) -> str:
    return _filled((HERE / "project.qgs").read_text(encoding="utf-8"), base)


def project_qgz(base: str) -> bytes:
    """The project as QGIS's zipped format: one .qgs inside."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("thailand-complaints.qgs", project_qgs(base))
    return buffer.getvalue()


def has_style(collection_id: str, style_type: str) -> bool:
    return style_type in STYLE_TYPES and (HERE / "styles" / f"{collection_id}.{style_type}").is_file()


def style(collection_id: str, style_type: str, base: str) -> str | None:
    """A collection's style (style_type qml or sld), or None when there is none."""
    path = HERE / "styles" / f"{collection_id}.{style_type}"
    if style_type not in STYLE_TYPES or not path.is_file():
        return None
    return _filled(path.read_text(encoding="utf-8"), base)
