"""Route every point of a file (CSV, Parquet, GeoJSON, GeoPackage) in chunks of bounded size.

Decisions are written beside the input columns; rows that cannot be routed (missing, non-numeric,
out-of-range or swapped coordinates, unknown categories) go to a rejects file with the reason:
nothing is dropped silently.

One function, `route_chunk`, turns a chunk into (decisions, rejects) and one `Sink` writes them,
here in one process and in `routing.batch.dask_cluster` on a Dask cluster, so both give the same files.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio

from routing.engine.points import THAILAND_BBOX, PointError, check_range

from .columns import decision_columns

VECTOR = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
TABULAR = {".csv", ".parquet"}


# The decision columns and their types, fixed so that every chunk (and every way of cutting the
# file into chunks) writes the same schema, even a chunk where a column happens to be all empty.
DECISION_COLUMNS = {
    "status": "str",
    "province_code": "str",
    "district_code": "str",
    "subdistrict_code": "str",
    "subdistrict_name_th": "str",
    "on_boundary": "bool",
    "snapped_m": "float64",
    "agency_code": "str",
    "agency_name_th": "str",
    "reason_en": "str",
    "generation": "Int64",
}


class FileError(ValueError):
    pass


@dataclass(frozen=True)
class RouteOptions:
    """How a file is read and routed; the same for one process and for a Dask cluster."""

    lon_column: str = "lon"
    lat_column: str = "lat"
    category_column: str | None = None
    chunk: int = 50_000  # rows held in memory at once (per partition)
    within_m: float = 50.0


DEFAULT_OPTIONS = RouteOptions()


@dataclass
class Summary:
    rows: int = 0
    routed: int = 0
    rejected: int = 0
    statuses: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # how the work was done (the Dask path: workers, timings)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in VECTOR:
        return "vector"
    if suffix in TABULAR:
        return suffix[1:]
    raise FileError(f"{path}: unsupported format {suffix!r} (csv, parquet, geojson, gpkg)")


def kind_of(path) -> str:
    """csv, parquet or vector (GeoJSON, GeoPackage); FileError for anything else or a missing file."""
    path = Path(path)
    kind = _kind(path)
    if not path.exists():
        raise FileError(f"{path}: no such file")
    return kind


def vector_table(frame, lon_column: str, lat_column: str) -> pd.DataFrame:
    """A chunk of a vector file as a plain table: its attributes plus the point's lon and lat."""
    points = frame.geometry
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table[lon_column] = [g.x if g is not None and g.geom_type == "Point" else None for g in points]
    table[lat_column] = [g.y if g is not None and g.geom_type == "Point" else None for g in points]
    return table


def read_chunks(path: Path, chunk: int, lon_column: str, lat_column: str):
    kind = kind_of(path)
    if kind == "csv":
        yield from pd.read_csv(path, chunksize=chunk, dtype=str, keep_default_na=False)
    elif kind == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk):
            yield batch.to_pandas()
    else:
        total = pyogrio.read_info(path)["features"]
        for start in range(0, total, chunk):
            frame = pyogrio.read_dataframe(path, skip_features=start, max_features=chunk)
            yield vector_table(frame, lon_column, lat_column)


def require_columns(columns, *names):
    columns = list(columns)
    for name in names:
        if name and name not in columns:
            raise FileError(f"no column {name!r} (columns: {', '.join(map(str, columns))})")


def _coordinates(frame, lon_column, lat_column):
    require_columns(frame.columns, lon_column, lat_column)
    lons = pd.to_numeric(frame[lon_column], errors="coerce").to_numpy(dtype=float)
    lats = pd.to_numeric(frame[lat_column], errors="coerce").to_numpy(dtype=float)
    reasons = np.full(len(frame), None, dtype=object)
    west, south, east, north = THAILAND_BBOX
    # Most rows are plainly fine; the others (NaN compares false) get check_range's own messages.
    with np.errstate(invalid="ignore"):
        in_range = (lats >= -90) & (lats <= 90) & (lons >= -180) & (lons <= 180)
        inside = (lons >= west) & (lons <= east) & (lats >= south) & (lats <= north)
        inside_swapped = (lats >= west) & (lats <= east) & (lons >= south) & (lons <= north)
    suspect = ~in_range | (~inside & inside_swapped)
    for k in np.flatnonzero(suspect).tolist():
        lon, lat = lons[k], lats[k]
        if not (math.isfinite(lon) and math.isfinite(lat)):
            reasons[k] = "lon/lat missing or not a number"
            continue
        try:
            check_range(lon, lat)
        except PointError as exc:
            reasons[k] = str(exc)
    return lons, lats, reasons


def _labels(value):
    return [c.strip() for c in str(value).split(",") if c.strip()] if value else []


def _categories(column, names):
    """(tuple index per row, the distinct category tuples, reject reason per distinct value or None)."""
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        text = np.ones(len(values), dtype=bool)
    else:
        text = np.array([isinstance(v, str) for v in values], dtype=bool)
    ids = np.empty(len(values), dtype=np.int64)
    codes, uniques = pd.factorize(values[text]) if text.any() else (np.empty(0, dtype=np.int64), [])
    distinct = list(uniques) + values[~text].tolist()  # anything but text, one by one
    ids[text] = codes
    ids[~text] = np.arange(len(uniques), len(distinct))
    tuples, reasons, seen = [], [], {}
    for value in distinct:
        given = _labels(value)
        unknown = [c for c in given if c not in names]
        reasons.append(f"unknown category: {', '.join(unknown)}" if unknown else None)
        found = tuple(dict.fromkeys(names[c] for c in given if c in names))
        tuples.append(seen.setdefault(found, len(seen)))
    distinct_tuples = list(seen)
    return np.asarray(tuples, dtype=np.int64)[ids], distinct_tuples, np.asarray(reasons, dtype=object)[ids]


def category_names() -> dict:
    """Every way a file may name a category (code, Thai or English name, Traffy label) -> its code."""
    from routing.models import Category

    names = {}
    for c in Category.objects.filter(active=True):
        for name in (c.code, c.name_th, c.name_en, *c.traffy_labels):
            if name:
                names.setdefault(name.strip(), c.code)
    return names


def route_chunk(frame, *, matcher, directory, lon_column, lat_column, category_column=None, within_m=50.0, names=None):
    """One chunk -> (its routable rows with the decision columns, its other rows with reject_reason)."""
    lons, lats, reasons = _coordinates(frame, lon_column, lat_column)
    category_ids, category_tuples = np.zeros(len(frame), dtype=np.int64), [()]
    if category_column:
        if category_column not in frame.columns:
            raise FileError(f"no column {category_column!r}")
        names = names if names is not None else category_names()
        category_ids, category_tuples, unknown = _categories(frame[category_column], names)
        fill = np.equal(reasons, None) & ~np.equal(unknown, None)
        reasons[fill] = unknown[fill]
    good = np.equal(reasons, None)
    out = frame.loc[good].copy()
    answers = matcher.lookup_many(lons[good], lats[good], within_m)
    columns = decision_columns(answers, matcher, directory, lons[good], lats[good], category_ids[good], category_tuples)
    for name, values in columns.items():
        out[name] = pd.Series(values, index=out.index, dtype=DECISION_COLUMNS[name])
    rejects = frame.loc[~good].copy()
    rejects["reject_reason"] = reasons[~good]
    return out, rejects


class Writer:
    """Appends chunks to CSV, Parquet, GeoJSON or GeoPackage."""

    def __init__(self, path: Path, lon_column: str, lat_column: str):
        self.path = Path(path)
        self.kind = _kind(self.path)
        self.lon, self.lat = lon_column, lat_column
        self.parquet = None
        self.written = 0
        if self.path.exists():
            self.path.unlink()

    def write(self, frame: pd.DataFrame):
        if frame.empty and self.written:
            return
        if self.kind == "csv":
            frame.to_csv(self.path, mode="a", header=self.written == 0, index=False)
        elif self.kind == "parquet":
            table = pa.Table.from_pandas(
                frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}), preserve_index=False
            )
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.path, table.schema)
            self.parquet.write_table(table.cast(self.parquet.schema))
        else:
            lons = pd.to_numeric(frame[self.lon], errors="coerce")
            lats = pd.to_numeric(frame[self.lat], errors="coerce")
            geo = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")
            pyogrio.write_dataframe(geo, self.path, driver=VECTOR[self.path.suffix.lower()], append=self.written > 0)
        self.written += len(frame)

    def close(self):
        if self.parquet is not None:
            self.parquet.close()


def rejects_path(out: Path) -> Path:
    return out.with_name(out.stem + ".rejects.csv")


class Sink:
    """Writes routed chunks and their rejects in the order given, and counts them."""

    def __init__(self, dst, lon_column: str, lat_column: str, progress=None):
        dst = Path(dst)
        self.writer = Writer(dst, lon_column, lat_column)
        self.rejects = Writer(rejects_path(dst), lon_column, lat_column)
        self.summary = Summary()
        self.progress = progress

    def add(self, routed: pd.DataFrame, bad: pd.DataFrame):
        self.writer.write(routed)
        if len(bad):
            self.rejects.write(bad)
        summary = self.summary
        summary.rows += len(routed) + len(bad)
        summary.routed += len(routed)
        summary.rejected += len(bad)
        for status, count in routed["status"].value_counts(sort=False).items():
            summary.statuses[status] = summary.statuses.get(status, 0) + int(count)
        if self.progress:
            self.progress(len(routed) + len(bad))

    def close(self):
        self.writer.close()
        self.rejects.close()


def route_file(src, dst, *, matcher, directory, options: RouteOptions = DEFAULT_OPTIONS, progress=None) -> Summary:
    src = Path(src)
    kind_of(src)
    sink = Sink(dst, options.lon_column, options.lat_column, progress)
    names = category_names() if options.category_column else None
    try:
        for frame in read_chunks(src, options.chunk, options.lon_column, options.lat_column):
            sink.add(
                *route_chunk(
                    frame,
                    matcher=matcher,
                    directory=directory,
                    lon_column=options.lon_column,
                    lat_column=options.lat_column,
                    category_column=options.category_column,
                    within_m=options.within_m,
                    names=names,
                )
            )
    finally:
        sink.close()
    return sink.summary
