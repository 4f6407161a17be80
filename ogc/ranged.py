"""A file served whole or by one byte range (RFC 9110 section 14), as GDAL's /vsicurl/ reads it.

Django's FileResponse has no Range support; the packages that add it are unmaintained, and the
part GDAL and QGIS use is small: one range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`),
If-Range and If-None-Match. How a Range header is answered (section 14.2):

- one satisfiable range: 206 with that range, its end clamped to the file's last byte;
- several ranges of which one at least is satisfiable: the whole file, 200 (a server may ignore
  Range; multipart/byteranges is not worth its code for clients that never ask for it);
- no satisfiable range (the first byte past the end, or a suffix of 0 bytes): 416;
- a header that is not a valid ranges-specifier (another unit, `bytes=20-10`, junk): ignored, 200.

`plan()` says what will be sent before anything is read, so the caller charges the bytes of the
answer (ogc/limits.py) before sending them; HEAD gets the same headers and no body.
"""

import os
import re
from dataclasses import dataclass

from django.http import FileResponse, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date

SPEC = re.compile(r"^(\d*)-(\d*)$")
MAX_AGE_S = 300
MAX_RANGES = 100  # more is an attack on the parser, not a reader (section 14.2 allows refusing)
HUGE = 10**30  # positions with more digits than this are past any file; never convert them


@dataclass(frozen=True)
class Plan:
    status: int  # 200, 206, 304 or 416
    start: int = 0
    end: int = -1  # inclusive; end < start: no body

    @property
    def length(self) -> int:
        return max(0, self.end - self.start + 1)


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= 30 else HUGE


def _ranges(header: str) -> list[tuple[str, str]] | None:
    """The range-specs of a valid `bytes=` ranges-specifier, else None (to be ignored)."""
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs:
        return None
    found = []
    for spec in specs.split(",")[: MAX_RANGES + 1]:
        if not spec.strip():  # an empty list element (RFC 9110 section 5.6.1)
            continue
        match = SPEC.match(spec.strip())
        if not match or (not match[1] and not match[2]):
            return None
        if match[1] and match[2] and _position(match[2]) < _position(match[1]):
            return None  # invalid: last-pos before first-pos
        found.append((match[1], match[2]))
    return found or None


def _satisfiable(first: str, last: str, size: int) -> tuple[int, int] | None:
    if not first:  # the last n bytes
        n = _position(last)
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else None
    start = _position(first)
    if start >= size:
        return None
    return start, min(_position(last), size - 1) if last else size - 1


def window(header: str, size: int) -> Plan:
    """What a Range header asks of a file of `size` bytes."""
    whole = Plan(200, 0, size - 1)
    specs = _ranges(header)
    if specs is None or len(specs) > MAX_RANGES:
        return whole
    windows = [w for w in (_satisfiable(first, last, size) for first, last in specs) if w is not None]
    if not windows:
        return Plan(416)
    if len(specs) > 1:
        return whole
    return Plan(206, *windows[0])


def plan(request, size: int, etag: str) -> Plan:
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Plan(304)
    if "Range" in request.headers and request.headers.get("If-Range", etag) == etag:
        return window(request.headers["Range"], size)
    return Plan(200, 0, size - 1)


def _chunks(handle, start: int, end: int, chunk: int = 1 << 20):
    with handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                return
            left -= len(data)
            yield data


def serve(request, handle, answer: Plan, content_type: str, etag: str, filename: str, headers=None):
    """The answer `plan()` made for the open file `handle` (closed here); HEAD without its body."""
    stat = os.fstat(handle.fileno())
    size = stat.st_size
    common = {
        "ETag": etag,
        "Last-Modified": http_date(stat.st_mtime),
        "Accept-Ranges": "bytes",
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        **(headers or {}),
    }
    head = request.method == "HEAD"
    if answer.status in (304, 416) or head:
        handle.close()
    if answer.status == 304:
        response = HttpResponseNotModified()
    elif answer.status == 416:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif head:
        response = HttpResponse(status=answer.status, content_type=content_type)
    elif answer.status == 200:
        response = FileResponse(handle, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _chunks(handle, answer.start, answer.end), status=206, content_type=content_type
        )
    if answer.status in (200, 206):
        response["Content-Length"] = str(answer.length)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if answer.status == 206:
        response["Content-Range"] = f"bytes {answer.start}-{answer.end}/{size}"
    for name, value in common.items():
        response[name] = value
    return response
