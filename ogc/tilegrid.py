"""The vector tile grid: Web Mercator tiles of EXTENT units, zoom 0 to MAX_ZOOM."""

MAX_ZOOM = 18
EXTENT = 4096


def pixel_degrees(z: int) -> float:
    """About one tile pixel in degrees at this zoom: finer detail would be invisible."""
    return 360.0 / (2**z * EXTENT)
