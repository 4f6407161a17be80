"""Issue 25, items 8 and 9 over real HTTP through the front: agency staff see their own agency's
unreachable deliveries only; password guessing locks an account per (account, address), and an
address only past a higher ceiling across accounts, so guessing cannot lock anyone else out.

Guesses come from loopback addresses of their own (127.0.0.4x), so no other module's logins from
127.0.0.1 are counted with them; the nginx front reports each as the client's address."""

import base64
import http.client
import json
import re
import urllib.parse
import uuid

import pytest
from django.conf import settings

from .web import get, post

LIMIT = settings.AXES_FAILURE_LIMIT  # 10 unless GEO_LOGIN_FAILURES says otherwise
CEILING = settings.GEO_LOGIN_FAILURES_PER_ADDRESS  # 30 unless GEO_LOGIN_FAILURES_PER_ADDRESS says otherwise
X, Y, Z, W = "127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44"


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def call(base, source, method, path, headers=None, body=None):
    """One request from a chosen loopback address: (status, headers, body)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    try:
        conn.request(method, path, body, headers or {})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def api_login(base, source, user, password):
    """Basic auth on a staff-only write; the complaint does not exist, so a good login gets 404."""
    headers = {**basic(user, password), "Content-Type": "application/json"}
    body = json.dumps({"action": "start"})
    return call(base, source, "POST", "/api/v1/complaints/999999999/transitions", headers, body)[0]


def workspace_login(base, source, user, password):
    """The workspace's sign-in form, as a browser posts it: 302 signed in, 200 refused, 429 locked."""
    _, headers, page = call(base, source, "GET", "/work/signin/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    cookie = headers["set-cookie"].split(";")[0]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": user, "password": password})
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return call(base, source, "POST", "/work/signin/", form_headers, form)[0]


@pytest.fixture(scope="module")
def accounts(live_api, django_db_blocker, agencies):
    """Two officers of agency 5399 with passwords; the guesses from the test addresses forgotten
    afterwards."""
    from axes.models import AccessAttempt
    from django.contrib.auth.models import User

    from access.models import StaffProfile
    from routing.models import Agency

    names = {}
    with django_db_blocker.unblock():
        for who in ("a", "b"):
            name = f"guards-{who}-{uuid.uuid4().hex[:6]}"
            user = User.objects.create_user(name, password=f"right-{who}")
            StaffProfile.objects.create(user=user, agency=Agency.objects.get(code="5399"))
            names[who] = name
    yield names
    with django_db_blocker.unblock():
        AccessAttempt.objects.filter(ip_address__in=(X, Y, Z, W)).delete()


def seed_failures(django_db_blocker, address, failures):
    """Failed guesses as axes records them ((account, address) -> failures), written directly:
    each guess over HTTP costs a PBKDF2 hash (0.2-0.7 s here), so tests make only the last few."""
    from axes.models import AccessAttempt

    with django_db_blocker.unblock():
        for username, count in failures.items():
            AccessAttempt.objects.create(
                username=username,
                ip_address=address,
                user_agent="",
                failures_since_start=count,
                get_data="",
                post_data="",
            )


def test_guessing_one_account_locks_it_from_that_address_only(live_api, accounts, django_db_blocker):
    a, b = accounts["a"], accounts["b"]
    seed_failures(django_db_blocker, X, {a: LIMIT - 2})
    assert [api_login(live_api, X, a, f"guess-{i}") for i in range(2)] == [401, 429]
    # The account is locked from the guessing address, the right password included ...
    assert api_login(live_api, X, a, "right-a") == 429
    assert workspace_login(live_api, X, a, "right-a") == 429
    # ... but a colleague signs in from that address (API and workspace) ...
    assert api_login(live_api, X, b, "right-b") == 404
    assert workspace_login(live_api, X, b, "right-b") == 302
    # ... and the officer from anywhere else.
    assert api_login(live_api, Y, a, "right-a") == 404
    assert workspace_login(live_api, Y, a, "right-a") == 302


def test_an_address_guessing_across_accounts_is_locked_for_every_account(live_api, accounts, django_db_blocker):
    # Guesses on many accounts from Z, none reaching an account's limit, all but the last three
    # as axes recorded them ...
    seed_failures(django_db_blocker, Z, {f"seeded-{i}": 1 for i in range(CEILING - 3)})
    # ... and the last three over HTTP: the one that reaches the ceiling is refused as a lockout.
    assert [api_login(live_api, Z, f"nobody-{i}", "x") for i in range(3)] == [401, 401, 429]
    assert api_login(live_api, Z, accounts["b"], "right-b") == 429
    assert workspace_login(live_api, Z, accounts["b"], "right-b") == 429
    # Another address is not touched.
    assert api_login(live_api, W, accounts["b"], "right-b") == 404


@pytest.fixture(scope="module")
def dead_letters(live_api, credentials, django_db_blocker):
    """One complaint filed over HTTP, with a dead-letter delivery to each of two agencies."""
    from complaints.models import Complaint
    from delivery.models import DEAD, Delivery
    from routing.models import Agency

    reply = post(
        f"{live_api}/api/v1/complaints",
        {"lon": 100.0997, "lat": 17.6201, "category": "flooding", "description": "guards unreachable"},
        headers={"Authorization": f"Bearer {credentials['key']}", "Idempotency-Key": f"guards-{uuid.uuid4()}"},
    )
    assert reply.status == 201, reply.body
    cid = reply.json()["id"]
    with django_db_blocker.unblock():
        for code in ("5399", "PEA"):
            Delivery.objects.create(
                complaint_id=cid, agency=Agency.objects.get(code=code), channel="none", state=DEAD, reason="unreachable"
            )
    yield cid
    with django_db_blocker.unblock():
        Delivery.objects.filter(complaint_id=cid).delete()
        Complaint.objects.filter(id=cid).delete()  # other modules count complaints by area


def test_staff_see_their_own_agencys_unreachable_deliveries_only(
    live_api, credentials, dead_letters, django_db_blocker
):
    from django.contrib.auth.models import User

    url = f"{live_api}/api/v1/deliveries/unreachable"
    for code, other in (("5399", "PEA"), ("PEA", "5399")):
        reply = get(url, headers=basic(*credentials["staff"][code]))
        assert reply.status == 200
        answer = reply.json()
        assert [r["agency"]["code"] for r in answer["results"]] == [code]
        assert answer["agencies"] == 1 and answer["unreachable_deliveries"] == answer["results"][0]["unreachable"] >= 1
        assert f'"{other}"' not in reply.body.decode()
    name = f"guards-operator-{uuid.uuid4().hex[:6]}"
    with django_db_blocker.unblock():
        User.objects.create_user(name, password="pw-operator", is_staff=True)
    everything = get(url, headers=basic(name, "pw-operator")).json()
    assert {"5399", "PEA"} <= {r["agency"]["code"] for r in everything["results"]}
    assert get(url, headers={"Authorization": f"Bearer {credentials['key']}"}).status == 403  # an intake system
