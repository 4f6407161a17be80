"""The reusable import core: a dry run unless commit=True, and all-or-nothing when it writes."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from boundaries.models import DOPA_CODE_LENGTH, Level

from . import topology
from .errors import BoundaryImportError
from .reader import read_layer
from .repair import repair

DEFAULT_TOLERANCE_M2 = 1_000.0


@dataclass
class LayerSpec:
    """Where a layer's fields are; what the command-line flags and the presets fill in."""

    path: Path
    level: str
    code_field: str
    name_th_field: str | None = None
    name_en_field: str | None = None
    parent_code_field: str | None = None
    encoding: str | None = None
    layer: str | None = None
    srid: int | None = None
    where: dict | None = None  # keep only rows whose column equals the value: {"ADM1_PCODE": "TH53"}
    exclude: dict | None = None  # drop rows whose column is in the values: {"ADM1_PCODE": ["TH10"]}
    source: str = ""
    source_field: str | None = None  # per-row source, for layers composed of several files
    official_names: bool = False  # take Thai/English names from the DOPA list where it has the code


@dataclass
class PreparedLayer:
    spec: LayerSpec
    records: pd.DataFrame  # code, pcode, name_th, name_en, parent_code, geometry, source
    report: dict


@dataclass
class ImportReport:
    layers: list[dict] = field(default_factory=list)
    generation_id: int | None = None
    committed: bool = False
    activated: bool = False

    def lines(self) -> list[str]:
        out = []
        for layer in self.layers:
            out.append(
                f"{layer['level']}: {layer['count']} boundaries from {layer['source']}"
                f" ({layer['repaired']} repaired, {layer['dropped']} dropped, "
                + (
                    f"{layer['overlaps']['count']} overlaps and {layer['gaps']['count']} gaps"
                    f" above {layer['tolerance_m2']:g} m²)"
                    if layer.get("topology_checked", True)
                    else "topology not checked)"
                )
            )
        if self.committed:
            state = "active" if self.activated else "inactive: activate it with activate_generation"
            out.append(f"written as generation {self.generation_id} ({state})")
        else:
            out.append("dry run: nothing written (pass --commit to write)")
        return out


def dopa_code(value) -> str:
    """'TH530101' -> '530101'; numbers read as floats from DBF lose nothing ('10.0' -> '10')."""
    text = str(value).strip()
    if text.upper().startswith("TH"):
        text = text[2:]
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def _column(frame, name, path):
    if name not in frame.columns:
        available = ", ".join(c for c in frame.columns if c != "geometry")
        raise BoundaryImportError(f"{path}: no column {name!r} (columns: {available})")
    return frame[name]


def _filter(frame, spec):
    for column, value in (spec.where or {}).items():
        frame = frame[_column(frame, column, spec.path) == value]
    for column, values in (spec.exclude or {}).items():
        frame = frame[~_column(frame, column, spec.path).isin(values)]
    return frame


def prepare_layer(spec: LayerSpec, tolerance_m2: float = DEFAULT_TOLERANCE_M2, check_topology: bool = True):
    frame = _filter(read_layer(spec.path, encoding=spec.encoding, layer=spec.layer, assume_srid=spec.srid), spec)
    return prepare_frame(frame, spec, tolerance_m2, check_topology)


def prepare_frame(frame, spec: LayerSpec, tolerance_m2=DEFAULT_TOLERANCE_M2, check_topology=True) -> PreparedLayer:
    if spec.level not in Level.values:
        raise BoundaryImportError(f"unknown level {spec.level!r} (one of: {', '.join(Level.values)})")
    path = spec.path
    codes = _column(frame, spec.code_field, path).map(dopa_code)

    def text(name):
        return (
            _column(frame, name, path).fillna("").astype(str).str.strip() if name else pd.Series("", index=frame.index)
        )

    if spec.parent_code_field:
        parents = _column(frame, spec.parent_code_field, path).map(dopa_code)
    elif spec.level in DOPA_CODE_LENGTH and spec.level != Level.PROVINCE:
        parent_len = DOPA_CODE_LENGTH[spec.level] - 2
        parents = codes.str[:parent_len]
    else:
        parents = pd.Series("", index=frame.index)

    empty = codes[codes == ""]
    if len(empty):
        raise BoundaryImportError(f"{path}: {len(empty)} rows have an empty {spec.code_field!r}")
    duplicated = sorted(set(codes[codes.duplicated()]))
    if duplicated:
        shown = ", ".join(duplicated[:10])
        raise BoundaryImportError(f"{path}: duplicate codes in {spec.code_field!r}: {shown} ({len(duplicated)} in all)")
    if spec.level in DOPA_CODE_LENGTH:
        want = DOPA_CODE_LENGTH[spec.level]
        wrong = sorted(c for c in codes if len(c) != want or not c.isdigit())
        if wrong:
            raise BoundaryImportError(
                f"{path}: {spec.level} codes must be {want}-digit DOPA codes; got {', '.join(wrong[:5])}"
            )

    geoms, repaired, dropped = repair(frame.geometry.values)
    records = pd.DataFrame(
        {
            "code": codes.values,
            "pcode": ["TH" + c if spec.level in DOPA_CODE_LENGTH else "" for c in codes],
            "name_th": text(spec.name_th_field).values,
            "name_en": text(spec.name_en_field).values,
            "parent_code": parents.values,
            "geometry": geoms,
            "source": text(spec.source_field).values if spec.source_field else (spec.source or Path(path).name),
        }
    )
    if spec.official_names:
        from boundaries.dopa import official_units

        official = official_units().get(spec.level, {})
        known = records.code.map(lambda c: official.get(c))
        records["name_th"] = [k[0] if k else n for k, n in zip(known, records.name_th)]
        records["name_en"] = [k[1] if k else n for k, n in zip(known, records.name_en)]
    dropped_codes = records.code.iloc[dropped].tolist()
    records = records[records.geometry.notna()].reset_index(drop=True)
    if records.empty:
        raise BoundaryImportError(f"{path}: no polygon features to import")
    report = {
        "level": spec.level,
        "source": spec.source or Path(path).name,
        "count": len(records),
        "repaired": len(repaired),
        "repaired_codes": [codes.iloc[i] for i in repaired][:50],
        "dropped": len(dropped),
        "dropped_codes": dropped_codes[:50],
        "tolerance_m2": tolerance_m2,
        "overlaps": {"count": 0, "largest": []},
        "gaps": {"count": 0, "largest": []},
        "topology_checked": check_topology,
    }
    if check_topology:
        report["overlaps"] = topology.overlaps(records.code.tolist(), records.geometry.values, tolerance_m2)
        report["gaps"] = topology.gaps(records.parent_code.tolist(), records.geometry.values, tolerance_m2)
    return PreparedLayer(spec=spec, records=records, report=report)


def fingerprint(paths) -> str:
    """Identifies the input files (name, size, mtime) so a re-run can tell it has nothing to do."""
    digest = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        stat = Path(path).stat()
        digest.update(f"{Path(path).name}:{stat.st_size}:{int(stat.st_mtime)};".encode())
    return digest.hexdigest()


def import_layers(
    prepared: list[PreparedLayer],
    *,
    layer: str = "admin",
    generation_id: int | None = None,
    commit: bool = False,
    activate: bool = False,
    description: str = "",
    fingerprint_value: str = "",
) -> ImportReport:
    from . import writer

    report = ImportReport(layers=[p.report for p in prepared])
    levels = [p.spec.level for p in prepared]
    repeated = sorted({lv for lv in levels if levels.count(lv) > 1})
    if repeated:
        raise BoundaryImportError(f"level given twice in one import: {', '.join(repeated)}; merge the inputs first")
    if not commit:
        return report
    generation = writer.write_generation(
        prepared,
        layer=layer,
        generation_id=generation_id,
        description=description,
        report={"layers": report.layers},
        fingerprint_value=fingerprint_value,
    )
    report.generation_id = generation.id
    report.committed = True
    if activate:
        from boundaries.generations import activate as activate_generation

        activate_generation(generation.id)
        report.activated = True
    return report
