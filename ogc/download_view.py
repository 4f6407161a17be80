"""A whole collection as one FlatGeobuf file (ogc/downloads.py), read whole or by byte ranges.

The file of the current key is served when written; while it is being written, the last one
written is served with `X-Layer-Stale: true` (its version in `X-Layer-Version`, the one being
written in `X-Layer-Current-Version`); 503 only when no file of the collection exists yet. The
bytes an answer sends are charged to the caller before they are sent (ogc/limits.py)."""

import os

from django.http import JsonResponse
from django.views.decorators.http import require_safe

import params
from access.throttling import charge_presented
from params import ParamError

from . import downloads, limits, output, ranged
from . import tasks as ogc_tasks
from .providers import REGISTRY as COLLECTIONS

STALE_MAX_AGE_S = 30  # a stale file is replaced within minutes: caches keep it briefly


def _error(status, code, description):
    return JsonResponse({"code": code, "description": description}, status=status)


def _open(collection_id: str, resolution: str):
    """(current path, path served, open file), the last two None when there is no file. Looked up
    again if the file found is removed before it is opened (a new one just came into place)."""
    for _ in range(3):
        current, found = downloads.locate(collection_id, resolution)
        if found is None:
            return current, None, None
        try:
            return current, found, found.open("rb")
        except FileNotFoundError:
            continue
    return current, None, None


def _headers(current, found) -> dict:
    if found == current:
        return {"X-Layer-Version": downloads.file_version(found)}
    return {
        "X-Layer-Stale": "true",
        "X-Layer-Version": downloads.file_version(found),
        "X-Layer-Current-Version": downloads.file_version(current),
        "Cache-Control": f"public, max-age={STALE_MAX_AGE_S}",
    }


@require_safe
def download(request, collection_id):
    """A whole polygon collection as one FlatGeobuf file, read whole or by byte ranges."""
    if collection_id not in COLLECTIONS:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    unknown = sorted(set(request.GET) - {"resolution"})
    if unknown:
        return _error(400, "InvalidParameterValue", f"unknown parameter(s): {', '.join(unknown)}")
    try:
        offered = COLLECTIONS[collection_id].downloads or (output.FULL,)
        resolution = params.choice(request.GET, "resolution", output.RESOLUTIONS, default=offered[0])
        current, found, handle = _open(collection_id, resolution)
    except ParamError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    except downloads.NotOffered as exc:
        return _error(404, "NotFound", str(exc))
    if found != current:
        ogc_tasks.request_file(collection_id, resolution)
    if handle is None:
        reply = _error(503, "NotReady", "the file for the active generation is being written; retry in a minute")
        reply["Retry-After"] = "60"
        return reply
    etag = f'"{found.stem}"'
    answer = ranged.plan(request, os.fstat(handle.fileno()).st_size, etag)
    if answer.length and request.method != "HEAD":
        wait = charge_presented(request, limits.file_bytes(answer.length))
        if wait is not None:
            handle.close()
            reply = limits.refuse(request, wait)
            reply["Retry-After"] = str(int(wait))
            return reply
    name = f"{collection_id}-{resolution}.{downloads.FORMAT}"
    return ranged.serve(request, handle, answer, downloads.CONTENT_TYPE, etag, name, _headers(current, found))
