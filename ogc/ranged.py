"""A file served whole or by one byte range (RFC 9110 section 14), as GDAL's /vsicurl/ reads it.

Django's FileResponse has no Range support; the packages that add it are unmaintained, and the
part GDAL and QGIS use is small: one range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`),
If-Range and If-None-Match. A request for several ranges gets the whole file (allowed by the RFC).
"""

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_AGE_S = 300


def _window(header: str, size: int):
    """(start, end inclusive) of a single satisfiable range; None for no range or a form served
    whole (several ranges, or one this parser does not read); "unsatisfiable" otherwise."""
    found = RANGE.match(header.replace(" ", ""))
    if not found or (not found[1] and not found[2]):
        return None
    first, last = found[1], found[2]
    if len(first) > 19 or len(last) > 19:  # beyond any file: refuse rather than convert huge numbers
        return "unsatisfiable"
    if not first:  # the last n bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def _chunks(path: Path, start: int, end: int, chunk: int = 1 << 20):
    with path.open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                return
            left -= len(data)
            yield data


def serve(request, path: Path, content_type: str, etag: str, filename: str):
    stat = path.stat()
    size = stat.st_size
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(stat.st_mtime),
        "Accept-Ranges": "bytes",
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
    }
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
        for name, value in headers.items():
            response[name] = value
        return response
    window = None
    if "Range" in request.headers and request.headers.get("If-Range", etag) == etag:
        window = _window(request.headers["Range"], size)
    if window == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif window is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = window
        response = StreamingHttpResponse(_chunks(path, start, end), status=206, content_type=content_type)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for name, value in headers.items():
        response[name] = value
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
