"""Hypothesis strategies for the input shapes that broke the server once (issue 13, item 5) and
that an OpenAPI-driven fuzzer does not make on its own: JSON nested thousands of levels deep, lone
surrogates, NUL characters, digits that are not ASCII, integers past any column, date-times at the
ends of the calendar, form and multipart bodies, and all of these in path parameters."""

import json
import urllib.parse
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

# Digits Python's str.isdigit() or int() accept but that are not 0-9: superscripts, Thai, Arabic-Indic,
# full-width, Devanagari.
ODD_DIGITS = "²³¹⁰๑๒๓٠١٢０１２३४"

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

huge_integers = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=2**31 + 2),
    st.integers(min_value=2**63 - 2, max_value=2**63 + 2),
    st.integers(min_value=10**18, max_value=10**40),
    st.integers(max_value=-(10**18)),
).map(str)

odd_numbers = st.one_of(
    st.text(alphabet=ODD_DIGITS, min_size=1, max_size=6),
    st.builds(lambda a, b: a + b, st.text(alphabet="0123456789", min_size=1, max_size=3), st.sampled_from(ODD_DIGITS)),
    st.sampled_from(["1e3", "0x10", " 1", "1 ", "+1", "-0", "1_000", "١٢", "NaN", "inf"]),
)

integers_of_any_shape = st.one_of(huge_integers, odd_numbers, st.integers(min_value=-5, max_value=2000).map(str))

# Offsets past a real zone (+15:00), and moments whose shift to UTC leaves the calendar.
_offsets = st.integers(min_value=-16 * 60, max_value=16 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_edges = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59.999999Z",
        "2026-02-30T00:00:00Z",
        "2026-11-24T24:00:00Z",
    ]
)
moments = st.one_of(
    _edges,
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        _offsets,
    ),
    st.datetimes(timezones=st.just(UTC)).map(lambda m: m.isoformat()),
)

# Text a client might send in any field: NUL, lone surrogates, odd digits, markup.
hostile_text = st.one_of(
    st.text(min_size=0, max_size=30),
    st.builds(lambda a: a + "\x00", st.text(max_size=5)),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=5), st.text(max_size=5)),
    st.builds(lambda a, s: a + s, st.text(max_size=5), surrogates),
    st.text(alphabet=ODD_DIGITS, min_size=1, max_size=5),
    st.sampled_from(['"><script>alert(1)</script>', "javascript:alert(1)", "\u202e", "ไฟดับ 081-234-5678"]),
)


def deep(depth: int, kind: str) -> str:
    """JSON text nested `depth` levels deep, as a list, an object or a mix."""
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"a":[' * (depth // 2) + "1" + "]}" * (depth // 2)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(hostile_text, children, max_size=3)),
    max_leaves=8,
)


@st.composite
def json_bodies(draw) -> bytes:
    """Bytes sent as application/json: deep, with surrogates or NUL, huge numbers, or near-valid complaints."""
    shape = draw(st.sampled_from(["deep", "value", "complaint", "numbers"]))
    if shape == "deep":
        depth = draw(st.sampled_from([65, 1000, 5000, 100_000]))
        inner = deep(depth, draw(st.sampled_from(["list", "object", "mixed"])))
        return ('{"lon": 100.5, "lat": 13.75, "id": ' + inner + "}").encode()
    if shape == "numbers":
        number = draw(st.sampled_from(["1e999", "-1e999", "1" + "0" * 400, "NaN", "Infinity", "1e-999"]))
        field = draw(st.sampled_from(["lon", "lat", "id", "within", "description"]))
        body = {"lon": 100.5, "lat": 13.75, "category": "road"}
        text = json.dumps(body)
        return (text[:-1] + f', "{field}x": 0, "{field}": {number}}}').encode()
    value = draw(json_values)
    if shape == "complaint":
        field = draw(st.sampled_from(["description", "photo_url", "client_ticket_id", "category", "reporter", "id"]))
        value = {"lon": 100.5018, "lat": 13.7563, "category": "road", field: value}
    # ensure_ascii writes lone surrogates as \\ud800 escapes: valid JSON text, impossible strings.
    return json.dumps(value, ensure_ascii=True).encode()


@st.composite
def form_fields(draw, api_key: str) -> dict:
    """Open311 POST fields with one or two hostile values."""
    fields = {"api_key": api_key, "service_code": "road", "lat": "13.7563", "long": "100.5018"}
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        name = draw(
            st.sampled_from(
                ["description", "lat", "long", "service_code", "media_url", "email", "first_name", "attribute[x]"]
            )
        )
        # Text first: numbers and moments only reach the fields that parse them.
        fields[name] = draw(st.one_of(hostile_text, hostile_text, hostile_text, integers_of_any_shape, moments))
    return fields


def urlencoded(fields: dict) -> bytes:
    # surrogatepass: a lone surrogate goes out as its (invalid) UTF-8 bytes, as a broken client would send it.
    return "&".join(
        urllib.parse.quote(k.encode("utf-8", "surrogatepass"))
        + "="
        + urllib.parse.quote(v.encode("utf-8", "surrogatepass"))
        for k, v in fields.items()
    ).encode()


def multipart(fields: dict, boundary: str = "fuzz-boundary-7d1f") -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


path_values = st.one_of(integers_of_any_shape, hostile_text.filter(lambda t: "/" not in t and t not in ("", ".", "..")))
