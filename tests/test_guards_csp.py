"""Issue 25, item 10: a Content-Security-Policy on every HTML page, the OGC API's pages included,
and those pages working under it in Debian's headless Chromium with no violation reported."""

import uuid

import pytest

from .test_map_page import browser, wait_for  # noqa: F401 - the browser fixture
from .web import get, post

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def complaint(live_api, credentials):
    """A complaint in the OGC complaints layer (its items and item pages)."""
    reply = post(
        f"{live_api}/api/v1/complaints",
        {"lon": 100.5018, "lat": 13.7563, "category": "road", "description": "guards csp"},
        headers={"Authorization": f"Bearer {credentials['key']}", "Idempotency-Key": f"guards-csp-{uuid.uuid4()}"},
    )
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def ogc_pages(complaint):
    return [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/complaints",
        "/ogc/collections/complaints/queryables",
        "/ogc/collections/complaints/items?limit=5",
        f"/ogc/collections/complaints/items/{complaint}",
    ]


def test_every_html_page_family_carries_the_strict_policy(live_api, complaint):
    pages = ["/", "/work/signin/", "/work/password/", "/admin/login/", "/api/docs/", *ogc_pages(complaint)]
    for path in pages:
        reply = get(f"{live_api}{path}", headers=HTML)
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/html"), path
        policy = reply.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, (path, policy)
        assert "style-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)


def test_the_ogc_pages_work_under_the_policy_in_chromium(live_api, complaint, browser):  # noqa: F811 - the fixture
    browser.get_log("browser")  # what earlier modules left in the log
    for path in ogc_pages(complaint):
        browser.get(f"{live_api}{path}{'&' if '?' in path else '?'}f=html")
        wait_for(browser, "return document.readyState === 'complete'")
        assert browser.find_element("css selector", "h1").text, path
        # The stylesheet applied (a blocked one would leave the navigation bar unstyled).
        colour = browser.execute_script("return getComputedStyle(document.querySelector('nav')).backgroundColor")
        assert colour == "rgb(36, 67, 95)", (path, colour)
        if "/items?" in path:  # the map script ran and drew this page's features
            assert wait_for(browser, "return document.getElementById('map').dataset.ready") != "0"
    violations = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert violations == []
    # The control: an inline script is refused on these pages, and the refusal is in the log.
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.inlineRan = true';"
        "document.body.appendChild(s);"
    )
    assert browser.execute_script("return window.inlineRan === true") is False
    assert any("Content Security Policy" in e.get("message", "") for e in browser.get_log("browser"))
