"""All of Thailand as one generation: the composition explained in shared/data/README.md.

Subdistricts: OCHA COD-AB full resolution for the 68 provinces that have it, the national
simplified layer for the 9 that don't, and the BMA's current 180 khwaeng in Bangkok.
Districts and provinces are dissolved from those subdistricts, so the three levels nest
exactly: a point's district is always its subdistrict's district.
"""

import time
from pathlib import Path

import numpy
import pandas as pd
import shapely

from .dopa import compare_codes, official_units
from .importing.core import DEFAULT_TOLERANCE_M2, LayerSpec, PreparedLayer, dopa_code, fingerprint, prepare_frame
from .importing.errors import BoundaryImportError
from .importing.reader import read_layer
from .models import Level

OCHA = "thailand/ocha-cod-ab"
BMA = "thailand/bma"
UPSTREAM = {
    OCHA: "OCHA COD-AB Thailand (HDX dataset 'cod-ab-tha', layers tha_admbnda_adm1-3_rtsd_20220121)",
    BMA: "Bangkok Metropolitan Administration GIS (bangkokgis.com shapefile downloads)",
}
BANGKOK = "10"
# Relative difference between a coverage union's area and its parts' summed area still taken
# as equal (floating-point summation order), far below any sliver an overlap would leave.
AREA_TOLERANCE = 1e-9


def source_files(data_dir: Path) -> dict[str, list[Path]]:
    files = {
        "tambon": sorted((data_dir / OCHA / "tambon").glob("*.zip")),
        "national": [data_dir / OCHA / "national" / "tha_admbnda_adm3_rtsd_20220121.zip"],
        "bma": [data_dir / BMA / "bkk_subdistrict.zip"],
    }
    for key, paths in files.items():
        dataset = BMA if key == "bma" else OCHA
        if not paths or not all(p.exists() for p in paths):
            where = paths[0] if paths else data_dir / OCHA / "tambon" / "*.zip"
            raise BoundaryImportError(
                f"{where}: missing under GEO_DATA_DIR={data_dir}; "
                f"download {UPSTREAM[dataset]} into {data_dir / dataset}"
            )
    return files


def all_paths(data_dir: Path) -> list[Path]:
    return [p for paths in source_files(data_dir).values() for p in paths]


def _ocha_rows(frame, source) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": frame["ADM3_PCODE"].map(dopa_code).values,
            "name_th": frame["ADM3_TH"].values,
            "name_en": frame["ADM3_EN"].values,
            "source": source,
            "geometry": frame.geometry.values,
        }
    )


def subdistrict_frame(data_dir: Path) -> pd.DataFrame:
    files = source_files(data_dir)
    parts = []
    full_provinces = set()
    for path in files["tambon"]:
        frame = read_layer(path, encoding="utf-8")
        province_codes = set(frame["ADM1_PCODE"].map(dopa_code))
        if province_codes == {BANGKOK}:
            continue  # Bangkok comes from the BMA's newer khwaeng layer
        full_provinces |= province_codes
        parts.append(_ocha_rows(frame, f"ocha-cod-ab/tambon/{path.name}"))
    national = read_layer(files["national"][0], encoding="utf-8")
    national_province = national["ADM1_PCODE"].map(dopa_code)
    simplified = national[~national_province.isin(full_provinces | {BANGKOK})]
    parts.append(_ocha_rows(simplified, "ocha-cod-ab/national/tha_admbnda_adm3_rtsd_20220121.zip"))
    bma = read_layer(files["bma"][0], encoding="utf-8")
    parts.append(
        pd.DataFrame(
            {
                # The BMA .dbf cuts Thai names at the field width: names come from the DOPA list.
                "code": bma["SUBDISTRIC"].map(dopa_code).values,
                "name_th": bma["SUBDISTR_1"].fillna("").values,
                "name_en": "",
                "source": "bma/bkk_subdistrict.zip",
                "geometry": bma.geometry.values,
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


def with_official_names(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    official = official_units()[level]
    frame = frame.copy()
    frame["name_th"] = [official.get(c, (n, e))[0] or n for c, n, e in zip(frame.code, frame.name_th, frame.name_en)]
    frame["name_en"] = [official.get(c, (n, e))[1] or e for c, n, e in zip(frame.code, frame.name_th, frame.name_en)]
    return frame


def union_of(parts) -> tuple[shapely.Geometry, bool]:
    """The union of polygons that tile a region, and whether the fast coverage union gave it.

    `coverage_union_all` only dissolves edges shared exactly (same vertices), about 2.4x faster
    than `union_all` on the districts; where the parts overlap or their shared edges are not noded
    alike its answer is wrong or an error. It is kept only when valid and of the parts' summed
    area (what a true union of non-overlapping parts has); otherwise `union_all` decides. On the
    national data the kept answers equal `union_all`'s point for point (tests/test_dissolve.py).
    """
    parts = numpy.asarray(parts, dtype=object)
    try:
        merged = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        merged = None
    if merged is not None and not merged.is_empty and merged.is_valid:
        expected = float(shapely.area(parts).sum())
        if abs(merged.area - expected) <= AREA_TOLERANCE * expected:
            return merged, True
    return shapely.union_all(parts), False


def dissolve(children: PreparedLayer, level: str, code_length: int) -> pd.DataFrame:
    records = children.records
    groups = records.groupby(records.code.str[:code_length], sort=True)
    rows = []
    for code, group in groups:
        geometry, _ = union_of(group.geometry.values)
        rows.append(
            {
                "code": code,
                "name_th": "",
                "name_en": "",
                "source": "dissolved from " + ", ".join(sorted(set(group.source))),
                "geometry": geometry,
            }
        )
    return with_official_names(pd.DataFrame(rows), level)


def national_layers(
    data_dir: Path, tolerance_m2: float = DEFAULT_TOLERANCE_M2, check_topology: bool = False, progress=None
) -> tuple[list[PreparedLayer], dict]:
    """The three levels, prepared. Topology checks (overlaps, gaps) only when asked for: the upper
    levels are dissolved from the subdistricts, and `manage.py boundary_report` checks them all later.
    progress(step, count, seconds) is told as each step ends."""
    progress = progress or (lambda *_: None)

    def spec(level):
        return LayerSpec(
            path=data_dir,
            level=level,
            code_field="code",
            name_th_field="name_th",
            name_en_field="name_en",
            source_field="source",
            source=f"{level}s of Thailand (OCHA COD-AB + BMA)",
        )

    started = time.monotonic()
    frame = subdistrict_frame(data_dir)
    progress("read the source files", f"{len(all_paths(data_dir))} files, {len(frame):,} subdistricts", started)
    started = time.monotonic()
    sub = prepare_frame(
        with_official_names(frame, Level.SUBDISTRICT), spec(Level.SUBDISTRICT), tolerance_m2, check_topology
    )
    progress("checked and repaired the subdistricts", f"{len(sub.records):,} subdistricts", started)
    started = time.monotonic()
    dis = prepare_frame(dissolve(sub, Level.DISTRICT, 4), spec(Level.DISTRICT), tolerance_m2, check_topology)
    progress("dissolved the districts", f"{len(dis.records):,} districts", started)
    started = time.monotonic()
    pro = prepare_frame(dissolve(dis, Level.PROVINCE, 2), spec(Level.PROVINCE), tolerance_m2, check_topology)
    progress("dissolved the provinces", f"{len(pro.records):,} provinces", started)
    layers = [pro, dis, sub]
    checks = {
        layer.spec.level: compare_codes(layer.spec.level, layer.records.code.tolist(), layer.records.name_th.tolist())
        for layer in layers
    }
    return layers, checks


def national_fingerprint(data_dir: Path) -> str:
    return fingerprint(all_paths(data_dir))
