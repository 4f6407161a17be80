"""Tiny synthetic layers written to real files, in any format and CRS the importer must read."""

import zipfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Polygon, box

# Two 1° squares sharing the edge lon = 1 (far from Thailand: nothing real lies there).
WEST = box(0, 0, 1, 1)
EAST = box(1, 0, 2, 1)
BOWTIE = Polygon([(3, 0), (4, 1), (4, 0), (3, 1), (3, 0)])  # self-intersecting: invalid


def frame(rows, crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "CODE": [r[0] for r in rows],
            "NAME_TH": [r[1] for r in rows],
            "NAME_EN": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=crs,
    )


def squares() -> gpd.GeoDataFrame:
    return frame([("990101", "ตะวันตก", "West", WEST), ("990102", "ตะวันออก", "East", EAST)])


def write(gdf: gpd.GeoDataFrame, directory: Path, name: str, driver: str) -> Path:
    suffix = {"ESRI Shapefile": ".shp", "GPKG": ".gpkg", "GeoJSON": ".geojson"}[driver]
    path = Path(directory) / f"{name}{suffix}"
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def zipped_shapefile(gdf: gpd.GeoDataFrame, directory: Path, name: str) -> Path:
    shp = write(gdf, directory, name, "ESRI Shapefile")
    archive = Path(directory) / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob(f"{name}.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return archive


def line_feature():
    return LineString([(5, 5), (6, 6)])
