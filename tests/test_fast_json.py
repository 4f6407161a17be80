"""The routing endpoints' orjson renderer writes what DRF's JSONRenderer writes for their answers."""

from decimal import Decimal

from rest_framework.renderers import JSONRenderer

from api.fast_json import FastJSONRenderer, dumps


def test_same_bytes_as_drf_for_route_answers():
    answer = {
        "id": "a\u2028b\u2029c",  # echoed ids: escaped, so the text is also a JavaScript literal
        "lon": 100.0997,
        "lat": 17.6201,
        "status": "matched",
        "jurisdictions": {"subdistrict": {"code": "530101", "name_th": "ท่าอิฐ", "on_boundary": False}},
        "snapped_m": 12.34,
        "agency": None,
        "categories": ["road"],
    }
    assert dumps(answer) == JSONRenderer().render(answer)
    assert b'"id":"a\\u2028b\\u2029c"' in dumps(answer)


def test_what_orjson_refuses_is_rendered_by_drf():
    huge = {"id": 2**70, "amount": Decimal("1.50")}
    assert dumps(huge) == JSONRenderer().render(huge) == b'{"id":1180591620717411303424,"amount":1.5}'
    assert dumps({"amount": Decimal("1.50")}) == JSONRenderer().render({"amount": Decimal("1.50")})
    assert FastJSONRenderer().render(None) == b""
