"""The matcher's arrays in one directory per snapshot of the generations, memory-mapped by every process.

The index is built once per snapshot (by whichever process needs it first, under a file lock) and
written as plain .npy files; every other process, a new gunicorn worker or a Dask worker on the
same machine, maps the files instead of building: it serves within a second, and the pages are
shared by the operating system instead of copied per process.
"""

import ctypes
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from .grid import Grid
from .level import LevelIndex
from .matcher import Matcher
from .rings import Rings

FORMAT = 8  # bump when the arrays change meaning
KEEP = 3  # snapshots kept in the directory besides the one just written
GRID_ARRAYS = ("labels", "mixed_cells", "mixed_rows", "cand_offsets", "cand_polys")
SCALARS = ("x0", "y0", "size", "nx", "ny")


def state(matcher: Matcher) -> tuple[dict, dict]:
    """(meta, {"<level number>.<array name>": array}): what `save` writes and `from_state` reads."""
    meta = {"format": FORMAT, "generations": matcher.generations, "levels": []}
    arrays = {}
    for number, index in enumerate(matcher.levels):
        grid, rings = index.grid, index.rings
        level = {name: getattr(grid, name) for name in GRID_ARRAYS}
        level["set_offsets"] = np.cumsum([0] + [len(s) for s in grid.sets]).astype(np.int64)
        level["set_members"] = np.array([i for s in grid.sets for i in s], dtype=np.int32)
        level.update((name, getattr(rings, name)) for name in Rings.ARRAYS)
        if matcher.derive[number] is not None:
            level["derive"] = matcher.derive[number]
        arrays.update((f"{number}.{name}", array) for name, array in level.items())
        meta["levels"].append(
            {
                "level": index.level,
                "generation": index.generation,
                "codes": index.codes,
                "names_th": index.names_th,
                "names_en": index.names_en,
                "parent_codes": index.parent_codes,
                "derived": matcher.derive[number] is not None,
                "grid": {name: getattr(grid, name) for name in SCALARS},
            }
        )
    return meta, arrays


def from_state(meta: dict, arrays) -> Matcher:
    """The matcher of `state`'s output; `arrays` may be a mapping or a function of the name."""
    if meta.get("format") != FORMAT:
        raise ValueError(f"index format {meta.get('format')}, not {FORMAT}")
    array = arrays if callable(arrays) else arrays.__getitem__
    levels, derive = [], []
    for number, level in enumerate(meta["levels"]):

        def named(name, number=number):
            return np.asarray(array(f"{number}.{name}"))  # a memmap as a plain (read-only) array

        offsets, members = named("set_offsets"), named("set_members").tolist()
        sets = tuple(tuple(members[a:b]) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist()))
        grid = Grid(**level["grid"], sets=sets, **{name: named(name) for name in GRID_ARRAYS})
        rings = Rings(**{name: named(name) for name in Rings.ARRAYS})
        levels.append(
            LevelIndex.from_arrays(
                level["level"],
                level["generation"],
                level["codes"],
                level["names_th"],
                level["names_en"],
                level["parent_codes"],
                grid,
                rings,
            )
        )
        derive.append(named("derive") if level["derived"] else None)
    return Matcher(levels, {layer: int(g) for layer, g in meta["generations"].items()}, derive)


def save(matcher: Matcher, path: Path) -> Path:
    """Write `matcher` under `path` (complete or not at all: a temporary directory renamed)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    meta, arrays = state(matcher)
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", np.ascontiguousarray(array))
    (partial / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    shutil.rmtree(path, ignore_errors=True)
    os.rename(partial, path)
    return path


def load(path: Path) -> Matcher:
    """The matcher written under `path`, its arrays memory-mapped read-only."""
    path = Path(path)
    meta = json.loads((path / "meta.json").read_text())
    matcher = from_state(meta, lambda name: np.load(path / f"{name}.npy", mmap_mode="r"))
    matcher.path = path
    return matcher


@contextmanager
def _locked(lock_path: Path):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_or_build(directory: Path, key: str, build) -> Matcher:
    """The stored matcher for `key`; built by `build()` and stored first if no process has yet."""
    directory = Path(directory)
    path = directory / key
    for attempt in range(2):
        if not (path / "meta.json").exists():
            with _locked(directory / f".{key}.lock"):
                if not (path / "meta.json").exists():  # another process may have built it meanwhile
                    save(build(), path)
                    _release_freed_memory()
                    prune(directory, keep=path)
        try:
            return load(path)
        except FileNotFoundError:  # pruned by another process between the check and the opening
            if attempt:
                raise
    raise AssertionError("unreachable")


def prune(directory: Path, keep: Path):
    """Remove all but the newest KEEP snapshots (a process still mapping one keeps its pages)."""
    stored = sorted(
        (p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in stored[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for lock in directory.glob(".*.lock"):
        if time.time() - lock.stat().st_mtime > 3600:
            lock.unlink(missing_ok=True)


def _release_freed_memory():
    """Hand the build's freed heap back to the system, so the builder's RSS falls with the rest."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
