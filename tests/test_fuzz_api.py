"""Hostile input generated from our own OpenAPI document (schemathesis): whatever a client sends,
within the schema or not, the server answers 2xx/4xx with a reason, never 5xx.

schemathesis' pytest plugin does not run under pytest 9, so the operations are walked here and each
one's case strategy is driven by hypothesis directly.
"""

import urllib.parse

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import fuzz_shapes as shapes
from .web import get, request

EXAMPLES_PER_OPERATION = 30
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same cases on every CI run: a failure can be reproduced
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz(operation, base_url, headers, calls, server_errors):
    @SETTINGS
    @given(case=operation.as_strategy())
    def exercise(case):
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        calls.append(response.status_code)
        if response.status_code >= 500:
            server_errors.append((operation.label, case.as_curl_command(), response.text[:300]))

    exercise()


def test_no_operation_answers_a_server_error(live_api, credentials):
    schema = schemathesis.openapi.from_url(live_api + "/api/schema/?format=json")
    headers = {"Authorization": f"Bearer {credentials['key']}"}
    server_errors, calls, operations = [], [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        fuzz(operation, live_api, headers, calls, server_errors)

    print(f"\n{len(calls)} generated requests over {len(operations)} operations; statuses {sorted(set(calls))}")
    for error in server_errors:
        print(error)
    assert len(operations) >= 10 and len(calls) >= 10 * len(operations) // 2
    assert server_errors == []


# The shapes an OpenAPI-driven generator does not make (tests/fuzz_shapes.py), sent raw.
SHAPES = settings(
    max_examples=120, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

QUERY_INTEGERS = [
    "/api/v1/complaints?offset={}",
    "/api/v1/complaints?limit={}&offset=1000000",
    "/api/v1/boundaries?level=province&limit=1&offset={}",
    "/api/v1/boundaries?level=province&limit={}&offset=1000000",
    "/api/v1/boundaries?level=province&limit=1&generation={}",
    "/api/v1/stats/top?n={}",
    "/ogc/collections/complaints/items?offset={}",
    "/ogc/collections/complaints/items?limit={}&offset=1000000",
    "/ogc/collections/provinces/items?limit=1&offset={}",
    "/ogc/collections/provinces/items?limit=1&precision={}",
    "/open311/v2/requests.json?service_request_id={}",
    "/open311/v2/requests.xml?service_request_id=1,{}",
]
QUERY_MOMENTS = [
    "/api/v1/complaints?since={}",
    "/api/v1/complaints?until={}",
    "/api/v1/stats?since={}",
    "/api/v1/stats/trend?until={}",
    "/ogc/collections/complaints/items?datetime={}",
    "/ogc/collections/complaints/items?datetime=../{}",
    "/open311/v2/requests.json?start_date={}",
    "/open311/v2/requests.json?end_date={}",
]
PATHS = [
    "/api/v1/complaints/{}",
    "/api/v1/boundaries/{}",
    "/open311/v2/requests/{}.json",
    "/open311/v2/requests/{}.xml",
    "/open311/v2/services/{}.json",
    "/ogc/collections/complaints/items/{}",
    "/ogc/collections/{}/items",
    "/ogc/collections/provinces/items/{}",
    "/tiles/{}.json",
    "/tiles/provinces/{}/0/0.mvt",
]


def _check(server_errors, label, reply):
    if reply.status >= 500:
        server_errors.append((label, reply.status, reply.body[:300]))


def test_query_parameters_of_every_shape_get_no_server_error(live_api, credentials):
    server_errors = []

    @SHAPES
    @given(template=st.sampled_from(QUERY_INTEGERS + QUERY_MOMENTS), data=st.data())
    def exercise(template, data):
        value = data.draw(shapes.moments if template in QUERY_MOMENTS else shapes.integers_of_any_shape)
        url = live_api + template.format(urllib.parse.quote(value.encode("utf-8", "surrogatepass")))
        _check(server_errors, url, get(url, headers={"Authorization": f"Bearer {credentials['key']}"}))

    exercise()
    assert server_errors == []


def test_path_parameters_of_every_shape_get_no_server_error(live_api, credentials):
    server_errors = []

    @SHAPES
    @given(template=st.sampled_from(PATHS), value=shapes.path_values)
    def exercise(template, value):
        url = live_api + template.format(urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe=""))
        _check(server_errors, url, get(url))

    exercise()
    token = live_api + "/open311/v2/tokens/{}.json?api_key=" + credentials["key"]

    @SHAPES
    @given(value=shapes.path_values)
    def tokens(value):
        url = token.format(urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe=""))
        _check(server_errors, url, get(url))

    tokens()
    assert server_errors == []


def test_json_bodies_of_every_shape_get_no_server_error(live_api, credentials):
    server_errors = []
    headers = {"Authorization": f"Bearer {credentials['key']}"}

    @SHAPES
    @given(
        path=st.sampled_from(["/api/v1/route", "/api/v1/route/batch", "/api/v1/complaints"]), body=shapes.json_bodies()
    )
    def exercise(path, body):
        for content_type in ("application/json", "application/geo+json"):
            reply = request(live_api + path, "POST", body, headers={**headers, "Content-Type": content_type})
            _check(server_errors, f"{path} {body[:200]!r}", reply)

    exercise()
    assert server_errors == []


def test_form_and_multipart_bodies_get_no_server_error(live_api, credentials):
    server_errors = []

    @SHAPES
    @given(
        fields=shapes.form_fields(credentials["key"]), fmt=st.sampled_from(["json", "xml"]), as_multipart=st.booleans()
    )
    def exercise(fields, fmt, as_multipart):
        if as_multipart:
            body, kind = shapes.multipart(fields), "multipart/form-data; boundary=fuzz-boundary-7d1f"
        else:
            body, kind = shapes.urlencoded(fields), "application/x-www-form-urlencoded"
        reply = request(f"{live_api}/open311/v2/requests.{fmt}", "POST", body, headers={"Content-Type": kind})
        _check(server_errors, f"{kind} {fields!r}", reply)

    exercise()
    assert server_errors == []
