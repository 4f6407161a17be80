"""GeoReport v2 output: the same lists as XML (required by the spec) or JSON (Spark convention)."""

import json
import xml.etree.ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def to_xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            if isinstance(value, list):  # e.g. attribute values
                holder = ET.SubElement(node, key)
                for entry in value:
                    child = ET.SubElement(holder, key[:-1] if key.endswith("s") else key)
                    for k, v in entry.items():
                        ET.SubElement(child, k).text = _text(v)
            else:
                ET.SubElement(node, key).text = _text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, item: str, rows, status: int = 200, single: dict | None = None) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8")
    body = single if single is not None else rows
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)
