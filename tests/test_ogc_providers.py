"""OGC collections come from providers (ogc/providers/): nothing in ogc/ asks what kind a
collection is, the boundary SQL stays in boundaries/, and a provider registered is served."""

import ast
import json
from pathlib import Path

import pytest
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_MODULE = ROOT / "ogc" / "providers" / "__init__.py"


def _kind_switches(path: Path) -> list[str]:
    """Comparisons with a name `kind` and reads of an attribute `kind`, as file:line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            switch = any(isinstance(n, ast.Name) and n.id == "kind" for n in [node.left, *node.comparators])
        elif isinstance(node, ast.Attribute):
            switch = node.attr == "kind"
        else:
            continue
        if switch:
            found.append((node.lineno, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return [where for _, where in sorted(found)]


def test_no_switch_on_the_collection_kind_in_ogc():
    files = [p for p in (ROOT / "ogc").rglob("*.py") if p != REGISTRY_MODULE and "migrations" not in p.parts]
    assert len(files) > 25
    assert [hit for path in files for hit in _kind_switches(path)] == []


def test_the_check_sees_a_switch():
    """The check above would catch the switches the providers replaced."""
    sample = ROOT / "var" / "kind_switch_sample.py"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text('if collection.kind == "boundary":\n    pass\nok = kind in ("a", "b")\n', encoding="utf-8")
    try:
        assert _kind_switches(sample) == ["var/kind_switch_sample.py:1", "var/kind_switch_sample.py:3"]
    finally:
        sample.unlink()


def test_the_boundaries_table_is_read_in_boundaries_only():
    apps = [p for p in ROOT.iterdir() if (p / "apps.py").is_file() and p.name != "boundaries"]
    assert {"ogc", "routing", "complaints"} <= {p.name for p in apps}
    readers = [
        str(path.relative_to(ROOT))
        for app in apps
        for path in app.rglob("*.py")
        if "migrations" not in path.parts and "boundaries_boundary" in path.read_text(encoding="utf-8")
    ]
    assert readers == []


@pytest.fixture
def toy():
    """A kind of collection the project does not have, registered for the test's length."""
    from ogc import providers
    from ogc.providers.base import Layer
    from ogc.queryables import STRING, Queryable

    class Toy(Layer):
        polygons = False
        example = "colour = 'red'"

        def queryables(self):
            return [Queryable("colour", STRING, "colour", "what colour")]

        def extent(self):
            return [100.0, 13.0, 101.0, 14.0]

    providers.register(Toy("toys", "Toys", "A toy collection", properties={"colour": "colour"}))
    yield
    providers.unregister("toys")


@pytest.mark.django_db
def test_a_registered_provider_is_served(toy):
    from ogc import views

    factory = RequestFactory()
    listed = json.loads(views.collections(factory.get("/ogc/collections")).content)["collections"]
    assert [c["id"] for c in listed][-2:] == ["complaints", "toys"]
    doc = json.loads(views.collection(factory.get("/ogc/collections/toys"), collection_id="toys").content)
    assert doc["title"] == "Toys" and doc["extent"]["spatial"]["bbox"] == [[100.0, 13.0, 101.0, 14.0]]
    rels = [link["rel"] for link in doc["links"]]
    assert "enclosure" not in rels and "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector" not in rels
    schema = json.loads(views.queryables_view(factory.get("/q"), collection_id="toys").content)
    assert schema["properties"]["colour"] == {"title": "what colour", "type": "string"}
    assert schema["properties"]["geometry"]["format"] == "geometry-multipolygon"


def test_an_unregistered_provider_is_gone(toy):
    from ogc import providers

    providers.unregister("toys")
    assert providers.get("toys") is None and "provinces" in providers.REGISTRY
