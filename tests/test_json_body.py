"""The native API's JSON body check (api/parsers.py) in plain Python: scalars at the top, strings
checked only when an escape could have smuggled a NUL or a lone surrogate in, depth always."""

import pytest

from api.parsers import BodyError, parse_json


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"null", None),
        (b"0.0", 0.0),
        (b"-2.225073858507e-311", -2.225073858507e-311),
        (b"true", True),
        (b'"x"', "x"),
        (b'[1, null, "a", {"b": [false]}]', [1, None, "a", {"b": [False]}]),
        (b'"\\u0e44\\u0e1f"', "ไฟ"),  # escapes that are characters pass
    ],
)
def test_documents_that_pass(raw, expected):
    assert parse_json(raw) == expected


def test_sixty_four_levels_pass():
    depth, value = 1, parse_json(b"[" * 64 + b"]" * 64)
    while value:
        depth, value = depth + 1, value[0]
    assert depth == 64


@pytest.mark.parametrize(
    "raw, message",
    [
        (b'"\\u0000"', "body contains a NUL character (U+0000)"),
        (b'{"a": "\\ud800"}', "a contains a lone surrogate (U+D800), which is not a character"),
        (b'{"k\\u0000": 1}', "a key in body contains a NUL character (U+0000)"),
        (b"[" * 65 + b"]" * 65, "nested more than 64 levels deep"),
        (b'{"a": ' * 65 + b"1" + b"}" * 65, "nested more than 64 levels deep"),
        (b"[1e999]", "the number 1e999 is out of range"),
        (b"NaN", "NaN is not a JSON number"),
    ],
)
def test_documents_refused(raw, message):
    with pytest.raises(BodyError) as refused:
        parse_json(raw)
    assert str(refused.value) == message
