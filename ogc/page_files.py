"""Answers too big for the shared cache (a page of 1,000 full-resolution subdistricts is about
34 MB), kept as files on this node's disk, one directory per set of active generations: a new
generation is a new directory, and the others are removed when the first answer of the new one
is written. Written to a temporary name and renamed, so a reader never sees half an answer.
"""

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from boundaries.cached import digest


def _folder(token: str) -> Path:
    # the database's name too: test databases share var/ and generation ids with the main one
    return Path(settings.GEO_PAGE_FILES_DIR) / digest(f"pages:{connection.settings_dict['NAME']}", token)[:16]


def find(key: str, token: str) -> tuple[Path, str] | None:
    """The stored answer's body file and content type, or None."""
    body = _folder(token) / f"{key}.body"
    try:
        content_type = (_folder(token) / f"{key}.type").read_text()
    except FileNotFoundError:
        return None
    return (body, content_type) if body.exists() else None


def keep(key: str, token: str, content: bytes, content_type: str) -> None:
    folder = _folder(token)
    fresh = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in ((f"{key}.body", content), (f"{key}.type", content_type.encode())):
        handle, partial = tempfile.mkstemp(dir=folder, prefix=".writing-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, folder / name)  # the body first: find() reads the type last-written
    if fresh:
        for other in folder.parent.iterdir():
            if other != folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
