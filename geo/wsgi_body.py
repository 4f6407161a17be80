"""Chunked request bodies (Transfer-Encoding: chunked, no Content-Length) read, not taken as empty.

gunicorn hands such a body to the application as a stream without CONTENT_LENGTH; Django reads
CONTENT_LENGTH bytes of it, that is none, and a chunked POST arrives as an empty body. This WSGI
wrapper reads the stream first (up to the body limit) and passes it on with its length. A body
over the limit is counted (up to DRAIN_LIMIT) but not kept, so BodySizeLimit answers it with 413.
"""

import io

from django.conf import settings

DRAIN_LIMIT = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class ChunkedBody:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            data, size = self._read(environ["wsgi.input"], settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(size)
        return self.app(environ, start_response)

    @staticmethod
    def _read(stream, limit: int) -> tuple[bytes, int]:
        """(body, its length); an empty body with the length read when it is over the limit."""
        parts, size = [], 0
        while size <= limit:
            chunk = stream.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(parts), size
            parts.append(chunk)
            size += len(chunk)
        while size < DRAIN_LIMIT:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
        return b"", size
