"""The shared HTTP layer (geo/http): neutral, without circles, and each protocol's errors in its
own shape for answers made before any view."""

import ast
from pathlib import Path

import pytest

from .web import get

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "geo" / "http"
FRONTS = ("api", "ogc", "open311")


def _imports(path: Path) -> set[str]:
    """Absolute module names imported anywhere in the file (relative ones resolved in geo.http)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = "geo.http" + (f".{base}" if base else "")
                names.update(f"{base}.{alias.name}" for alias in node.names)
            names.add(base)
    return names


def test_the_layer_imports_none_of_the_fronts():
    found = {path.name: sorted(n for n in _imports(path) if n.split(".")[0] in FRONTS) for path in LAYER.glob("*.py")}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_layer_has_no_import_circle():
    modules = {f"geo.http.{p.stem}": p for p in LAYER.glob("*.py") if p.stem != "__init__"}
    edges = {name: {n for n in _imports(path) if n in modules and n != name} for name, path in modules.items()}
    assert edges == {
        "geo.http.errors": set(),
        "geo.http.methods": {"geo.http.errors"},
        "geo.http.timeouts": {"geo.http.errors"},
        "geo.http.drf": {"geo.http.errors", "geo.http.timeouts"},
        "geo.http.outbound": set(),
    }


@pytest.mark.parametrize(
    "path, content_type, body",
    [
        (
            "/api/v1/complaints?q=%00",
            "application/json",
            b'{"error": {"code": "invalid", "message": "the URL contains a NUL character (U+0000)"}}',
        ),
        (
            "/open311/v2/services.json?q=%00",
            "application/json; charset=utf-8",
            b'[{"code": 400, "description": "the URL contains a NUL character (U+0000)"}]',
        ),
        (
            "/open311/v2/services.xml?q=%00",
            "text/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>400</code>'
            b"<description>the URL contains a NUL character (U+0000)</description></error></errors>",
        ),
        (
            "/ogc/collections?q=%00",
            "application/json",
            b'{"code": "InvalidParameterValue", "description": "the URL contains a NUL character (U+0000)"}',
        ),
        (
            "/tiles/provinces.json?q=%00",
            "application/json",
            b'{"code": "InvalidParameterValue", "description": "the URL contains a NUL character (U+0000)"}',
        ),
    ],
)
def test_a_refusal_before_any_view_is_in_the_shape_of_the_urls_protocol(live_api, path, content_type, body):
    # A NUL in the query string is refused by middleware, before URL resolution (one in the path
    # is refused by the front already, in its own HTML).
    reply = get(live_api + path)
    assert (reply.status, reply.headers["content-type"], reply.body) == (400, content_type, body)
