"""Routing whole files in chunks: decisions beside the input columns, bad rows in a rejects file."""

import csv

import geopandas as gpd
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point

from routing import live, loaders
from routing.batch.files import RouteOptions, rejects_path, route_file

pytestmark = pytest.mark.django_db

ROWS = [
    {"id": "a", "lon": "100.0997", "lat": "17.6201", "type": "แสงสว่าง"},
    {"id": "b", "lon": "100.5018", "lat": "13.7563", "type": "road,drain"},
    {"id": "c", "lon": "13.7563", "lat": "100.5018", "type": ""},  # swapped
    {"id": "d", "lon": "NaN", "lat": "13.7", "type": ""},
    {"id": "e", "lon": "100.5", "lat": "13.7", "type": "unicorns"},
    {"id": "f", "lon": "99.0", "lat": "7.0", "type": ""},  # at sea: routed as unmatched, not rejected
]


def write_csv(path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".gpkg", ".geojson"])
def test_every_row_is_routed_or_rejected_with_a_reason(national_matcher, agencies, tmp_path, suffix):
    src = write_csv(tmp_path / "in.csv")
    out = tmp_path / f"out{suffix}"
    summary = route_file(
        src,
        out,
        matcher=national_matcher,
        directory=loaders.load_directory(),
        options=RouteOptions(category_column="type", chunk=2),
    )
    assert (summary.rows, summary.routed, summary.rejected) == (6, 3, 3)
    assert summary.statuses == {"matched": 2, "unmatched": 1}
    if suffix == ".csv":
        routed = pd.read_csv(out, dtype=str)
    elif suffix == ".parquet":
        routed = pd.read_parquet(out)
    else:
        routed = gpd.read_file(out)
        assert routed.geometry.iloc[0].equals(Point(100.0997, 17.6201))
    routed = routed.set_index("id")
    assert routed.loc["a", "agency_code"] == "5399" and routed.loc["a", "subdistrict_code"] == "530101"
    assert routed.loc["b", "agency_code"] == "BKK-1001-PW"  # road in Phra Nakhon: public works
    assert routed.loc["f", "status"] == "unmatched"
    rejects = pd.read_csv(rejects_path(out), dtype=str).set_index("id")
    assert list(rejects.index) == ["c", "d", "e"]
    assert "swapped" in rejects.loc["c", "reject_reason"]
    assert "not a number" in rejects.loc["d", "reject_reason"]
    assert rejects.loc["e", "reject_reason"] == "unknown category: unicorns"


def test_command_and_its_errors(national_matcher, agencies, tmp_path, capsys):

    live.matcher.install(national_matcher)  # the command serves from the process's snapshot
    try:
        src = write_csv(tmp_path / "in.csv")
        call_command(
            "route_file", str(src), str(tmp_path / "out.csv"), "--category-column", "type", "--chunk", "4", verbosity=0
        )
        assert "6 rows: 3 routed" in capsys.readouterr().out
        with pytest.raises(CommandError, match="no column 'x'"):
            call_command("route_file", str(src), str(tmp_path / "o.csv"), "--lon-column", "x", verbosity=0)
        with pytest.raises(CommandError, match="unsupported format"):
            call_command("route_file", str(src), str(tmp_path / "o.xlsx"), verbosity=0)
        with pytest.raises(CommandError, match="no such file"):
            call_command("route_file", str(tmp_path / "none.csv"), str(tmp_path / "o.csv"), verbosity=0)
    finally:
        live.matcher.reset()
