"""JSON out with orjson for the hot routing endpoints: several times the standard encoder's pace.

The output is DRF's JSONRenderer's (compact, UTF-8, keys in insertion order, U+2028 and U+2029
escaped so the text is also a valid JavaScript literal), except that orjson writes some floats
more briefly (1e16, not 1e+16: the same number). What orjson refuses (integers beyond 64 bits,
say, in an echoed id) is rendered by DRF's own encoder, so the answer never fails for it.
"""

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default  # DRF's rules for types orjson does not know (Decimal, lazy text)
_standard = JSONRenderer()


def dumps(data) -> bytes:
    try:
        out = orjson.dumps(data, default=_fallback)
    except (orjson.JSONEncodeError, TypeError):
        return _standard.render(data)
    if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
        out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return out


class FastJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # as DRF's JSONRenderer: JSON is UTF-8, no charset parameter

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return dumps(data)


class FastNegotiation(DefaultContentNegotiation):
    """The common Accept headers (none, */*, application/json) answered without parsing them;
    anything else goes through DRF's negotiation, so a 406 stays a 406."""

    PLAIN = frozenset({None, "", "*/*", "application/json"})

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.META.get("HTTP_ACCEPT") in self.PLAIN and not format_suffix:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
