"""Bounds on the heaviest work a request can start (docs/operations.md#what-a-request-can-cost)."""

import os

_POOL = int(os.environ.get("GEO_WORKERS", os.cpu_count() or 2))

# Photos: megapixels decoded per intake key, staff account or address (the shared limiter's units),
# the most one request may decode, and how many requests decode at once across the pool (at most
# half of it, so routing and /livez always find a free worker; on several nodes sharing one Redis,
# the sum over the nodes).
GEO_PHOTO_RATE = os.environ.get("GEO_PHOTO_RATE", "300/min")
GEO_PHOTO_REQUEST_MEGAPIXELS = int(os.environ.get("GEO_PHOTO_REQUEST_MEGAPIXELS", "150"))
GEO_PHOTO_DECODERS = int(os.environ.get("GEO_PHOTO_DECODERS", str(max(1, _POOL // 2))))

# Statistics GeoJSON at a simplification not yet drawn: how many are drawn at once across the reads
# pool, one at a time per anonymous address, and what a cold draw costs in rate units.
GEO_HEAVY_READS = int(os.environ.get("GEO_HEAVY_READS", str(max(1, _POOL // 2))))
GEO_HEAVY_READ_UNITS = int(os.environ.get("GEO_HEAVY_READ_UNITS", "300"))

# Listings of complaints (OGC items, the map page's listing): how long counting the matches may take
# before the count is left out (complaints/listing.py); 0 never counts.
GEO_COUNT_BUDGET_MS = int(os.environ.get("GEO_COUNT_BUDGET_MS", "100"))
