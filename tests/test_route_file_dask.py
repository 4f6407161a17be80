"""route_file on a real Dask cluster (two worker processes on loopback) writes exactly what the
single-process path writes, and ships the matcher to each worker once."""

import csv
import filecmp

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from routing import live, loaders
from routing.batch import dask_cluster
from routing.batch.files import FileError, RouteOptions, Sink, category_names, rejects_path, route_chunk, route_file

from .test_route_file import ROWS

pytestmark = pytest.mark.django_db

CHUNK = 2_500  # small partitions: several per worker, so "once per worker" means something


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0") as lc,
        Client(lc) as client,
    ):
        yield client


def points_file(path, n=12_000, seed=8):
    """Realistic points (Bangkok, the rest of the country, a few at sea) with categories, plus the
    bad rows of the single-process tests spread through the file."""
    rng = np.random.default_rng(seed)
    bangkok = n // 3
    lons = np.concatenate([rng.normal(100.55, 0.08, bangkok), rng.uniform(97.6, 105.6, n - bangkok)])
    lats = np.concatenate([rng.normal(13.75, 0.06, bangkok), rng.uniform(5.7, 20.4, n - bangkok)])
    types = rng.choice(
        ["", "road", "drain,road", "แสงสว่าง", "electricity", "unicorns"], n, p=[0.4, 0.2, 0.1, 0.1, 0.1, 0.1]
    )
    rows = [
        {"id": f"p{k}", "lon": f"{x:.6f}", "lat": f"{y:.6f}", "type": t}
        for k, (x, y, t) in enumerate(zip(lons, lats, types))
    ]
    for k, bad in enumerate(ROWS):
        rows.insert(k * (n // len(ROWS)), dict(bad, id=f"bad-{bad['id']}"))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_dask_writes_what_one_process_writes_and_ships_once(national_matcher, agencies, client, tmp_path):
    """Parquet, through the function: the same rows, types and rejects; one install per worker."""
    import pandas as pd

    frame = pd.read_csv(points_file(tmp_path / "in.csv"), dtype=str, keep_default_na=False)
    src = tmp_path / "in.parquet"
    frame.to_parquet(src, row_group_size=CHUNK)  # the reader splits at row groups
    directory = loaders.load_directory()
    options = RouteOptions(category_column="type", chunk=CHUNK)
    kwargs = {"matcher": national_matcher, "directory": directory, "options": options}
    one = route_file(src, tmp_path / "one.parquet", **kwargs)
    rows = []
    many = dask_cluster.route_file_dask(
        src, tmp_path / "many.parquet", scheduler=client, progress=rows.append, **kwargs
    )

    assert one.rejected > len(ROWS) and {"matched", "snapped", "unmatched"} <= set(one.statuses)
    assert (many.rows, many.routed, many.rejected, many.statuses) == (one.rows, one.routed, one.rejected, one.statuses)
    assert sum(rows) == one.rows
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "many.parquet"), pd.read_parquet(tmp_path / "one.parquet"))
    assert pq.read_schema(tmp_path / "many.parquet").equals(pq.read_schema(tmp_path / "one.parquet"))
    assert filecmp.cmp(rejects_path(tmp_path / "many.parquet"), rejects_path(tmp_path / "one.parquet"), shallow=False)

    workers = client.run(dask_cluster.installs)
    assert many.details["workers"] == len(workers) == 2
    assert many.details["partitions"] >= 2 * len(workers)
    tokens = {token for counts in workers.values() for token in counts}
    assert len(tokens) == 1  # this job's token ...
    token = tokens.pop()
    assert all(counts == {token: 1} for counts in workers.values())  # ... installed once on each worker
    assert client.run(lambda: dict(dask_cluster._INSTALLED)) == {w: {} for w in workers}  # and dropped after the job


def test_command_on_a_scheduler_address_gives_the_same_csv(national_matcher, agencies, client, tmp_path, capsys):
    """CSV, through the command and a scheduler address: byte-identical output and rejects."""
    src = points_file(tmp_path / "in.csv", seed=9)
    live.matcher.install(national_matcher)  # the command serves from the process's snapshot
    try:
        options = ["--category-column", "type", "--chunk", str(CHUNK)]
        call_command("route_file", str(src), str(tmp_path / "one.csv"), *options, verbosity=0)
        address = client.scheduler.address
        call_command("route_file", str(src), str(tmp_path / "many.csv"), *options, "--dask", address, verbosity=0)
        out = capsys.readouterr().out
        assert "partitions on 2 workers" in out and "matcher shipped and installed" in out
        assert filecmp.cmp(tmp_path / "many.csv", tmp_path / "one.csv", shallow=False)
        assert filecmp.cmp(rejects_path(tmp_path / "many.csv"), rejects_path(tmp_path / "one.csv"), shallow=False)
        # Errors in the input are found before anything is shipped, with the single path's message.
        with pytest.raises(CommandError, match="no column 'x'"):
            call_command("route_file", str(src), str(tmp_path / "o.csv"), "--lon-column", "x", "--dask", address)
    finally:
        live.matcher.reset()


def test_a_worker_that_missed_the_install_fetches_the_payload_once(agencies, client):
    """A worker that joins after the shipping (simulated: the payload scattered, nothing
    unpacked) installs on its first partition, from the scattered bytes, once."""
    import pandas as pd
    from shapely.geometry import box

    from routing.engine.level import LevelIndex
    from routing.engine.matcher import Matcher

    phra_nakhon = box(100.48, 13.74, 100.52, 13.77)
    levels = [
        LevelIndex(level, 99, [code], ["พระนคร"], ["Phra Nakhon"], [parent], [phra_nakhon])
        for level, code, parent in (
            ("subdistrict", "100101", "1001"),
            ("district", "1001", "10"),
            ("province", "10", ""),
        )
    ]
    tiny, directory, names = Matcher(levels, {"admin": 99}), loaders.load_directory(), category_names()
    frame = pd.DataFrame({"id": ["a", "b", "c"], "lon": ["100.5", "100.6", "x"], "lat": ["13.75", "13.75", "1"]})
    frame["type"] = ["road", "", ""]
    columns = {"lon_column": "lon", "lat_column": "lat", "category_column": "type", "within_m": 50.0}
    options = dict(columns, vector=False)
    shipment = dask_cluster.ship(client, tiny, directory, names, install_now=False)
    try:
        late = sorted(client.nthreads())[0]
        for _ in range(2):
            routed, bad = client.submit(
                dask_cluster.route_partition, frame, shipment.token, options, workers=[late], pure=False
            ).result(timeout=120)  # a hang would fail here, not stall the suite
        expected = route_chunk(frame, matcher=tiny, directory=directory, names=names, **columns)
        pd.testing.assert_frame_equal(routed, expected[0])
        pd.testing.assert_frame_equal(bad, expected[1])
        assert routed["agency_code"].iloc[0] == "BKK-1001-PW" and bad["id"].tolist() == ["c"]
        counts = client.run(dask_cluster.installs)
        assert counts[late][shipment.token] == 1
        assert all(shipment.token not in c for w, c in counts.items() if w != late)
    finally:
        dask_cluster.unship(client, shipment)


def test_vector_partitions_and_errors_without_a_cluster(national_matcher, agencies, tmp_path):
    """GeoPackage partitions (dask_geopandas.read_file) routed by route_partition, here in this
    process, give the single path's file; bad input fails before any scheduler is contacted."""
    import geopandas as gpd
    import pandas as pd

    table = pd.read_csv(points_file(tmp_path / "in.csv", n=600), dtype=str, keep_default_na=False)
    table = table[pd.to_numeric(table["lon"], errors="coerce").notna()]
    points = gpd.points_from_xy(table.pop("lon").astype(float), table.pop("lat").astype(float))
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326").to_file(src)
    directory = loaders.load_directory()
    one = route_file(
        src,
        tmp_path / "one.gpkg",
        matcher=national_matcher,
        directory=directory,
        options=RouteOptions(category_column="type"),
    )

    frame = dask_cluster.partitions(src, "vector", 200)
    assert frame.npartitions == -(-len(table) // 200) > 1
    token = "test-in-process"
    dask_cluster._INSTALLED[token] = dask_cluster.Routing(national_matcher, directory, category_names())
    options = {"lon_column": "lon", "lat_column": "lat", "category_column": "type", "within_m": 50.0, "vector": True}
    sink = Sink(tmp_path / "many.gpkg", "lon", "lat")
    try:
        for part in frame.to_delayed():
            sink.add(*dask_cluster.route_partition(part.compute(scheduler="sync"), token, options))
    finally:
        sink.close()
        dask_cluster.uninstall(token)
    assert (sink.summary.rows, sink.summary.rejected) == (one.rows, one.rejected) and one.rejected > 0
    pd.testing.assert_frame_equal(gpd.read_file(tmp_path / "many.gpkg"), gpd.read_file(tmp_path / "one.gpkg"))
    assert filecmp.cmp(rejects_path(tmp_path / "many.gpkg"), rejects_path(tmp_path / "one.gpkg"), shallow=False)

    with pytest.raises(FileError, match="no column 'kind'"):
        dask_cluster.route_file_dask(
            src,
            tmp_path / "o.csv",
            scheduler="tcp://127.0.0.1:9",
            matcher=None,
            directory=None,
            options=RouteOptions(category_column="kind"),
        )
    assert dask_cluster.local_workers("local:3") == 3 and dask_cluster.local_workers("local") >= 1
    assert dask_cluster.local_workers("tcp://10.0.0.5:8786") is None
