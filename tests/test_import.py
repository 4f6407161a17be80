"""The import core on tiny synthetic layers written to real files."""

import io

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection
from shapely.geometry import box

from boundaries.importing import BoundaryImportError, LayerSpec, import_layers, prepare_layer
from boundaries.models import Boundary, Generation

from . import shapes

LAYER = "test"


def spec(path, **extra):
    fields = dict(level="subdistrict", code_field="CODE", name_th_field="NAME_TH", name_en_field="NAME_EN")
    fields.update(extra)
    return LayerSpec(path=path, **fields)


@pytest.mark.parametrize("driver", ["ESRI Shapefile", "GPKG", "GeoJSON"])
def test_reads_each_format(tmp_path, driver):
    path = shapes.write(shapes.squares(), tmp_path, "sq", driver)
    prepared = prepare_layer(spec(path))
    assert sorted(prepared.records.code) == ["990101", "990102"]
    assert prepared.records.parent_code.tolist() == ["9901", "9901"]
    assert prepared.records.name_th.tolist() == ["ตะวันตก", "ตะวันออก"]


def test_reads_zipped_shapefile(tmp_path):
    path = shapes.zipped_shapefile(shapes.squares(), tmp_path, "sq")
    assert len(prepare_layer(spec(path)).records) == 2


def test_reprojects_to_wgs84(tmp_path):
    utm = shapes.frame([("990201", "ก", "A", box(100.0, 17.0, 100.1, 17.1))]).to_crs("EPSG:32647")
    path = shapes.write(utm, tmp_path, "utm", "GPKG")
    geom = prepare_layer(spec(path)).records.geometry[0]
    assert geom.bounds == pytest.approx((100.0, 17.0, 100.1, 17.1), abs=1e-6)


def test_repairs_invalid_polygon_keeping_polygonal_parts(tmp_path):
    gdf = shapes.frame([("990301", "ก", "Bowtie", shapes.BOWTIE), ("990302", "ข", "Line", shapes.line_feature())])
    path = shapes.write(gdf, tmp_path, "bad", "GeoJSON")
    prepared = prepare_layer(spec(path))
    assert prepared.report["repaired"] == 1
    assert prepared.report["repaired_codes"] == ["990301"]
    assert prepared.report["dropped_codes"] == ["990302"]
    geom = prepared.records.geometry[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    assert geom.area == pytest.approx(0.5)


def test_reports_overlaps_and_gaps_between_siblings(tmp_path):
    ring = [box(0, 0, 3, 1), box(0, 2, 3, 3), box(0, 1, 1, 2), box(2, 1, 3, 2)]  # a 1°x1° hole in the middle
    rows = [(f"99040{i}", "", "", g) for i, g in enumerate(ring)]
    rows.append(("990409", "", "", box(2.5, 2.5, 3.5, 3.5)))  # overlaps the top square by 0.25°²
    prepared = prepare_layer(spec(shapes.write(shapes.frame(rows), tmp_path, "topo", "GeoJSON")))
    assert prepared.report["gaps"]["count"] == 1
    assert prepared.report["gaps"]["largest"][0]["at"][0] == pytest.approx(1.5, abs=0.5)
    assert prepared.report["overlaps"]["count"] == 1
    assert {prepared.report["overlaps"]["largest"][0]["a"], prepared.report["overlaps"]["largest"][0]["b"]} == {
        "990401",
        "990409",
    }


def test_tolerance_hides_slivers(tmp_path):
    rows = [("990501", "", "", box(0, 0, 1, 1)), ("990502", "", "", box(0.999999, 0, 2, 1))]  # ~11 m wide sliver
    path = shapes.write(shapes.frame(rows), tmp_path, "sliver", "GeoJSON")
    assert prepare_layer(spec(path), tolerance_m2=10_000_000).report["overlaps"]["count"] == 0
    assert prepare_layer(spec(path), tolerance_m2=1).report["overlaps"]["count"] == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such file"),
        ("broken", "cannot be read"),
        ("column", "no column 'CODE'"),
        ("duplicate", "duplicate codes"),
        ("no_crs", "no coordinate reference system"),
        ("bad_crs", "unknown coordinate reference system"),
        ("bad_code", "6-digit DOPA codes"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, case, message):
    path = shapes.write(shapes.squares(), tmp_path, "sq", "ESRI Shapefile")
    if case == "missing":
        path = tmp_path / "nothing.shp"
    elif case == "broken":
        path.write_bytes(b"this is not a shapefile" * 10)
    elif case == "column":
        shapes.squares().rename(columns={"CODE": "OTHER"}).to_file(path)
    elif case == "duplicate":
        gdf = shapes.squares()
        gdf["CODE"] = "990101"
        gdf.to_file(path)
    elif case == "no_crs":
        path.with_suffix(".prj").unlink()
    elif case == "bad_crs":
        path.with_suffix(".prj").write_text('PROJCS["nonsense",GEOGCS["x"]]garbage')
    elif case == "bad_code":
        gdf = shapes.squares()
        gdf["CODE"] = ["99", "98"]
        gdf.to_file(path)
    with pytest.raises(BoundaryImportError, match=message) as info:
        prepare_layer(spec(path))
    assert "\n" not in str(info.value)


def test_srid_states_a_missing_crs(tmp_path):
    path = shapes.write(shapes.squares(), tmp_path, "sq", "ESRI Shapefile")
    path.with_suffix(".prj").unlink()
    assert len(prepare_layer(spec(path, srid=4326)).records) == 2


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    path = shapes.write(shapes.squares(), tmp_path, "sq", "GeoJSON")
    before = Generation.objects.count()
    report = import_layers([prepare_layer(spec(path))], layer=LAYER)
    assert not report.committed and Generation.objects.count() == before
    assert "dry run" in report.lines()[-1]


@pytest.mark.django_db
def test_point_on_shared_edge_is_covered_by_both_squares(tmp_path):
    path = shapes.write(shapes.squares(), tmp_path, "sq", "GeoJSON")
    report = import_layers([prepare_layer(spec(path))], layer=LAYER, commit=True, activate=True)
    scope = Boundary.objects.in_generation(report.generation_id)
    assert sorted(scope.covering(1.0, 0.5).values_list("code", flat=True)) == ["990101", "990102"]
    assert list(scope.covering(0.5, 0.5).values_list("code", flat=True)) == ["990101"]
    assert list(scope.covering(0.0, 0.0).values_list("code", flat=True)) == ["990101"]  # a corner counts
    assert not scope.covering(2.5, 0.5).exists()


@pytest.mark.django_db
def test_names_with_tabs_and_backslashes_survive_copy(tmp_path):
    gdf = shapes.frame([("990601", "แท็บ\tและ\\", "Line\nbreak", box(0, 0, 1, 1))])
    path = shapes.write(gdf, tmp_path, "esc", "GeoJSON")
    report = import_layers([prepare_layer(spec(path))], layer=LAYER, commit=True)
    row = Boundary.objects.get(generation_id=report.generation_id)
    assert row.name_th == "แท็บ\tและ\\" and row.name_en == "Line\nbreak"
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_IsValid(geom), ST_SRID(geom) FROM boundaries_boundary WHERE id = %s", [row.id])
        assert cursor.fetchone() == (True, 4326)


@pytest.mark.django_db
def test_command_is_a_dry_run_unless_commit(tmp_path, capsys):
    path = shapes.write(shapes.squares(), tmp_path, "sq", "GeoJSON")
    args = [str(path), "--level", "subdistrict", "--code-field", "CODE", "--layer", LAYER]
    before = Generation.objects.count()
    call_command("import_boundaries", *args)
    assert Generation.objects.count() == before
    call_command("import_boundaries", *args, "--commit")
    assert Generation.objects.count() == before + 1
    assert "written as generation" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_errors_are_one_line(tmp_path):
    path = tmp_path / "broken.shp"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(CommandError) as info:
        call_command("import_boundaries", str(path), "--level", "subdistrict", "--code-field", "CODE", "--commit")
    assert "\n" not in str(info.value) and "broken.shp" in str(info.value)
    with pytest.raises(CommandError, match="--level"):
        call_command("import_boundaries", str(path))


def test_geometry_roundtrip_keeps_vertices(tmp_path):
    square = shapely.Polygon([(0, 0), (0.5, 0.0000001), (1, 0), (1, 1), (0, 1)])
    path = shapes.write(shapes.frame([("990701", "", "", square)]), tmp_path, "v", "GPKG")
    geom = prepare_layer(spec(path)).records.geometry[0]
    assert shapely.get_num_coordinates(geom) == 6


@pytest.mark.django_db
def test_boundary_report_finds_overlaps_and_gaps_of_a_stored_generation(tmp_path):
    """The topology checks deferred from the load: the same findings, from the database, stored."""
    ring = [box(0, 0, 3, 1), box(0, 2, 3, 3), box(0, 1, 1, 2), box(2, 1, 3, 2)]  # a 1°x1° hole in the middle
    rows = [(f"99060{i}", "", "", g) for i, g in enumerate(ring)]
    rows.append(("990609", "", "", box(2.5, 2.5, 3.5, 3.5)))  # overlaps the top square by 0.25°²
    prepared = prepare_layer(spec(shapes.write(shapes.frame(rows), tmp_path, "topo", "GeoJSON")), check_topology=False)
    assert "topology not checked" in import_layers([prepared], layer=LAYER).lines()[0]
    report = import_layers([prepared], layer=LAYER, commit=True)
    out = io.StringIO()
    call_command("boundary_report", "--generation", str(report.generation_id), stdout=out)
    assert "subdistrict: 5 boundaries, 1 overlaps and 1 gaps above 1000 m²" in out.getvalue()
    stored = Generation.objects.get(id=report.generation_id).report["topology"]["subdistrict"]
    assert {stored["overlaps"]["largest"][0]["a"], stored["overlaps"]["largest"][0]["b"]} == {"990601", "990609"}
    assert stored["gaps"]["count"] == 1
