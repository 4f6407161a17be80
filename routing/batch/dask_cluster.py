"""Route a file on a Dask cluster: the same chunks, the same function, the same output files.

    manage.py route_file IN OUT --dask tcp://10.0.0.5:8786   # an existing cluster
    manage.py route_file IN OUT --dask local:4               # a LocalCluster of 4 worker processes

How the work is shared out:
- The matcher and the routing directory are pickled once into one bytes object (for a local
  cluster the matcher is the path of its stored index, which the workers memory-map; for any
  other, its arrays, hundreds of MB for all of Thailand), scattered to every worker once
  (`client.scatter(..., broadcast=True)`) and unpacked there once, by one task per worker;
  routing tasks name it by a token, so nothing big travels with a partition, and they do not
  depend on it (so large a dependency would pull every task to the worker holding it once the
  Active Memory Manager drops the other replicas). A worker that joins later fetches it from a
  peer the first time it is asked to route.
- The workers read the input as partitions (dask.dataframe read_csv / read_parquet,
  dask_geopandas.read_file for GeoJSON and GeoPackage), and each partition goes through
  `files.route_chunk`, the function of the single-process path.
- The client writes the results in partition order with `files.Sink`, as the single-process
  path does: the same columns and types, rows in the same order, the same rejects file. At most
  `window` partitions are in flight, so neither the workers nor the client hold the whole file.

Workers read IN by its path, so it must be reachable from them (a local cluster or shared
storage), and they import this package: start them from the checkout, e.g.
`cd /work/main && .venv/bin/dask worker tcp://10.0.0.5:8786 --nthreads 1 --nworkers 4`.
One thread per worker: snapping rebuilds GEOS geometries into a per-level cache, which is not
shared safely between threads, so a worker with more threads routes one partition at a time.
"""

import dataclasses
import math
import os
import pickle
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import dask
import dask.dataframe as dd
import dask_geopandas
import pandas as pd
import pyarrow.parquet as pq
from distributed import Client, Future, LocalCluster, as_completed

from routing.engine import store
from routing.engine.matcher import Matcher

from .files import (
    DEFAULT_OPTIONS,
    RouteOptions,
    Sink,
    Summary,
    category_names,
    kind_of,
    require_columns,
    route_chunk,
    vector_table,
)

# Per worker process: what is installed, and how many times each token was installed (tests
# assert once per worker).
_INSTALLED: dict = {}
_INSTALL_LOCK = threading.Lock()
_FETCH_LOCK = threading.Lock()
INSTALLS: Counter = Counter()


# -- shipping the matcher --


def pack_matcher(matcher: Matcher, by_path: bool = False) -> dict:
    """The matcher as picklable state: the stored index's path, for workers that can read it
    (a local cluster, shared storage), or its arrays (hundreds of MB) for any other cluster."""
    if by_path and matcher.path is not None:
        return {"path": str(matcher.path)}
    meta, arrays = store.state(matcher)
    return {"meta": meta, "arrays": arrays}


def unpack_matcher(packed: dict) -> Matcher:
    if "path" in packed:
        return store.load(packed["path"]).warm()
    return store.from_state(packed["meta"], packed["arrays"]).warm()


class Routing:
    """What a worker routes with: one matcher, one directory, the category names, one lock."""

    def __init__(self, matcher, directory, names):
        self.matcher = matcher
        self.directory = directory
        self.names = names
        self.lock = threading.Lock()


def pack(matcher, directory, names, by_path=False) -> bytes:
    """What a worker needs, as one bytes object: pickled once here, opaque bytes on the way."""
    return pickle.dumps((pack_matcher(matcher, by_path), directory, names), protocol=5)


def install(token: str, payload: bytes) -> Routing:
    """The worker's Routing for `token`, unpacked from `payload` the first time only."""
    with _INSTALL_LOCK:
        routing = _INSTALLED.get(token)
        if routing is None:
            matcher, directory, names = pickle.loads(payload)
            routing = _INSTALLED[token] = Routing(unpack_matcher(matcher), directory, names)
            INSTALLS[token] += 1
        return routing


def installed(token: str) -> Routing:
    """On a worker: the Routing for `token`; a worker that joined after the shipping (or was
    restarted) fetches the payload, published under the token, from a peer, once."""
    routing = _INSTALLED.get(token)
    if routing is not None:
        return routing
    from distributed import get_client

    with _FETCH_LOCK:  # one fetch per worker, even with several threads
        if token not in _INSTALLED:
            install(token, get_client().get_dataset(token).result())
    return _INSTALLED[token]


def _install_here(token: str, payload: bytes) -> None:
    install(token, payload)  # the Routing stays on the worker; nothing comes back


def uninstall(token: str):
    _INSTALLED.pop(token, None)


def unship(client, shipment: "Shipment"):
    client.run(uninstall, shipment.token)
    client.unpublish_dataset(shipment.token)
    shipment.future.release()


@dataclasses.dataclass
class Shipment:
    token: str
    future: Future  # the scattered payload; releasing it frees the workers' copies
    timings: dict


def ship(client, matcher, directory, names, *, install_now=True, by_path=False) -> Shipment:
    """Send what routing needs to every worker once, and (by default) unpack it there now.

    The install tasks depend on the payload; the routing tasks do not (they name the token), so
    the scheduler places them by their partitions alone, and the Active Memory Manager may drop
    the replicas of the payload once it is unpacked. Undo with `unship`."""
    started = time.perf_counter()
    token = f"routing-{uuid.uuid4().hex}"
    payload = pack(matcher, directory, names, by_path)
    packed = time.perf_counter()
    # Client -> one worker -> the others (a replication, not one send per worker from here).
    future = client.scatter(payload, broadcast=True, hash=False)
    del payload
    client.publish_dataset(future, name=token)  # for workers that join later
    scattered = time.perf_counter()
    timings = {"pack_s": packed - started, "scatter_s": scattered - packed}
    if install_now:
        workers = list(client.scheduler_info(n_workers=-1)["workers"])
        client.gather([client.submit(_install_here, token, future, workers=[w], pure=False) for w in workers])
        timings["unpack_s"] = time.perf_counter() - scattered
    return Shipment(token, future, timings)


def installs() -> dict:
    return dict(INSTALLS)


# -- partitions --


def _csv_blocksize(path: Path, chunk: int) -> int:
    """Bytes per partition for about `chunk` rows, from the first MB of the file."""
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    per_row = len(sample) / max(sample.count(b"\n"), 1)
    return max(int(per_row * chunk), 1 << 16)


def partitions(src: Path, kind: str, chunk: int):
    """The input as a dask (geo)dataframe of partitions of about `chunk` rows."""
    # Strings as the single-process readers give them (pandas' default str), not pyarrow strings.
    with dask.config.set({"dataframe.convert-string": False}):
        if kind == "csv":
            return dd.read_csv(str(src), dtype=str, keep_default_na=False, blocksize=_csv_blocksize(src, chunk))
        if kind == "parquet":
            frame = dd.read_parquet(str(src), split_row_groups=True)
            wanted = max(1, math.ceil(pq.ParquetFile(src).metadata.num_rows / chunk))
            # Row groups are the unit the reader splits at; files written with huge or tiny ones
            # are cut or merged to about `chunk` rows.
            if frame.npartitions > 2 * wanted or frame.npartitions * 2 < wanted:
                frame = frame.repartition(npartitions=wanted)
            return frame
        return dask_geopandas.read_file(str(src), chunksize=chunk)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """pyarrow-backed strings with NA (dask's default) -> pandas' default str, as read_csv gives."""
    convert = {
        c: "str" for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA
    }
    return frame.astype(convert) if convert else frame


def route_partition(frame, token: str, options: dict):
    """One partition on a worker -> (decisions, rejects), by files.route_chunk, with the
    Routing installed on this worker (see `installed`)."""
    routing = installed(token)
    options = dict(options)
    if options.pop("vector"):
        frame = vector_table(frame, options["lon_column"], options["lat_column"])
    frame = _plain_strings(frame)
    with routing.lock:
        return route_chunk(frame, matcher=routing.matcher, directory=routing.directory, names=routing.names, **options)


# -- the client --


def local_workers(scheduler: str) -> int | None:
    """ "local" -> one worker per core, "local:N" -> N; None for a scheduler address."""
    if scheduler != "local" and not scheduler.startswith("local:"):
        return None
    return int(scheduler.partition(":")[2] or os.cpu_count() or 1)


@contextmanager
def connect(scheduler):
    """A Client for `scheduler`: an address, "local" or "local:N" (a LocalCluster), or a Client."""
    if isinstance(scheduler, Client):
        yield scheduler
        return
    n = local_workers(scheduler)
    if n is not None:
        # Loopback only (the dashboard on a free port); one thread per worker process (see above).
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    with Client(scheduler) as client:
        yield client


def route_file_dask(
    src,
    dst,
    *,
    scheduler,
    matcher,
    directory,
    options: RouteOptions = DEFAULT_OPTIONS,
    progress=None,
    window=None,
) -> Summary:
    """files.route_file on a Dask cluster; `scheduler` as for `connect`."""
    src = Path(src).resolve()  # workers may not share the client's working directory
    kind = kind_of(src)
    lon_column, lat_column, category_column = options.lon_column, options.lat_column, options.category_column
    sink = Sink(dst, lon_column, lat_column, progress)
    try:
        frame = partitions(src, kind, options.chunk)
        columns = [c for c in frame.columns if c != "geometry"] + ([lon_column, lat_column] if kind == "vector" else [])
        require_columns(columns, lon_column, lat_column, category_column)
        names = category_names() if category_column else None
        options = {
            "lon_column": lon_column,
            "lat_column": lat_column,
            "category_column": category_column,
            "within_m": options.within_m,
            "vector": kind == "vector",
        }
        starting = time.perf_counter()
        with connect(scheduler) as client:
            started = time.perf_counter()
            sink.summary.details["start_s"] = started - starting
            # A local cluster maps the stored index; a remote one is sent its arrays.
            shipment = ship(client, matcher, directory, names, by_path=local_workers(str(scheduler)) is not None)
            details = sink.summary.details
            details.update(shipment.timings, install_s=time.perf_counter() - started, workers=len(client.nthreads()))
            try:
                tasks = [
                    dask.delayed(route_partition, pure=False)(part, shipment.token, options)
                    for part in frame.to_delayed()
                ]
                details["partitions"] = len(tasks)
                routing_started = time.perf_counter()
                _run_in_order(client, tasks, sink, window or 2 * max(sum(client.nthreads().values()), 1))
                details["route_s"] = time.perf_counter() - routing_started
            finally:
                unship(client, shipment)
    finally:
        sink.close()
    return sink.summary


def _run_in_order(client, tasks, sink, window):
    """Keep `window` partitions in flight; hand the results to the sink in partition order."""
    index, done = {}, {}
    pending = as_completed()
    submitted = written = 0

    def submit():
        nonlocal submitted
        future = client.compute(tasks[submitted])
        index[future] = submitted
        pending.add(future)
        submitted += 1

    while submitted < min(window, len(tasks)):
        submit()
    try:
        for future in pending:
            done[index.pop(future)] = future.result()  # a worker's exception is raised here
            future.release()
            if submitted < len(tasks):
                submit()
            while written in done:
                sink.add(*done.pop(written))
                written += 1
    finally:
        for future in index:
            future.cancel()
