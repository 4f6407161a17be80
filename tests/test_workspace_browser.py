"""The workspace in a real browser (Debian's headless Chromium, as the map page's test drives it)
against the service as `make run` serves it: an officer signs in, finds an overdue complaint,
starts it and finishes it with a photo and a note; the change reaches the feed and the intake
system's subscription, and the reporter is asked "is it fixed?". The same on a 360 x 740 phone;
an officer of another agency sees none of it; axe-core finds no serious or critical problem."""

import time
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from .photo_files import encode, picture
from .receivers import Receiver
from .test_map_page import CHROMIUM_FLAGS, wait_for
from .web import get, post

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DOCS = ROOT / "docs"
RUN = uuid.uuid4().hex[:6]
PASSWORD = "ไฟสว่าง-ทั้งซอย-42"
PHONE = {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def world(live_api, credentials, django_db_blocker):
    """Two officers of two Bangkok agencies (committed, with passwords) and an intake key."""
    from django.contrib.auth.models import User

    from access.models import IntakeKey, StaffProfile
    from routing.models import Agency

    with django_db_blocker.unblock():
        officers = {}
        for who, code in (("pw", "BKK-1001-PW"), ("cl", "BKK-1001-CL")):
            user = User.objects.create_user(f"browser-{who}-{RUN}", f"{who}-{RUN}@example.org", PASSWORD)
            StaffProfile.objects.create(user=user, agency=Agency.objects.get(code=code))
            officers[who] = user.username
        _, key = IntakeKey.objects.issue(f"browser-intake-{RUN}")
    return {"base": live_api, "officers": officers, "key": key}


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def file_overdue(world, django_db_blocker, text):
    from datetime import timedelta

    from django.utils import timezone

    from complaints.models import Complaint

    body = {"lon": 100.5018, "lat": 13.7563, "category": "street_light", "description": text}
    reply = post(f"{world['base']}/api/v1/complaints", body, headers=bearer(world["key"]))
    assert reply.status == 201, reply.body
    cid = reply.json()["id"]
    with django_db_blocker.unblock():
        Complaint.objects.filter(id=cid).update(due_at=timezone.now() - timedelta(hours=3))
    return cid


def sign_in(browser, base, username):
    browser.delete_all_cookies()
    browser.get(f"{base}/work/")
    wait_for(browser, "return location.pathname === '/work/signin/'")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait_for(browser, "return location.pathname === '/work/' && document.readyState === 'complete'")


def serious_problems(browser) -> list:
    """axe-core's serious and critical violations on the page as it is now."""
    if not browser.execute_script("return !!window.axe"):
        browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))));"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


WEIGHTS: dict[str, int] = {}
WEIGHT_BUDGET = 300 * 1024


def own_weight(browser) -> int:
    """Bytes of the page itself: its HTML, CSS and scripts, MapLibre and map data left out."""
    return browser.execute_script(
        "const own = performance.getEntriesByType('resource').filter(r =>"
        " /[.](js|css)$/.test(new URL(r.name).pathname) && !r.name.includes('maplibre-gl'));"
        "const page = performance.getEntriesByType('navigation')[0];"
        "return page.decodedBodySize + own.reduce((n, r) => n + r.decodedBodySize, 0);"
    )


def shoot(browser, name):
    DOCS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(DOCS / f"workspace-{name}.png"))


def work_through(browser, world, django_db_blocker, tmp_path, size):
    from complaints.models import Complaint, Confirmation
    from photos.models import Photo
    from subscriptions import push, wire

    from .test_subscriptions import QUICK

    base = world["base"]
    text = f"ไฟถนนดับทั้งซอย ({size} {RUN})"
    with Receiver() as receiver:
        subscribed = post(f"{base}/api/v1/subscriptions", {"callback_url": receiver.url}, headers=bearer(world["key"]))
        assert subscribed.status == 201, subscribed.body
        cid = file_overdue(world, django_db_blocker, text)
        sign_in(browser, base, world["officers"]["pw"])
        assert serious_problems(browser) == [], "inbox"
        browser.find_element(By.CSS_SELECTOR, "nav.tabs a[data-tab=overdue]").click()
        row = wait_for(browser, f"return document.querySelector('li.row.overdue[data-id=\"{cid}\"]')")
        if size == "phone":
            assert row.size["width"] <= 360  # a card, not a table row
            assert not browser.find_element(By.ID, "map").is_displayed()
            browser.find_element(By.CSS_SELECTOR, ".view-switch button[data-show=map]").click()
            wait_for(browser, "return document.body.dataset.mapReady === '1'")
            assert browser.find_element(By.ID, "map").is_displayed()
            shoot(browser, "inbox-map-phone")
            browser.find_element(By.CSS_SELECTOR, ".view-switch button[data-show=list]").click()
        else:
            wait_for(browser, "return document.body.dataset.mapReady === '1' && document.body.dataset.area === '1'")
            time.sleep(1)  # tiles drawn
        shoot(browser, f"inbox-{size}")
        WEIGHTS[f"inbox-{size}"] = own_weight(browser)
        browser.find_element(By.CSS_SELECTOR, f"li.row[data-id='{cid}'] a.num").click()
        wait_for(browser, f"return location.pathname === '/work/complaints/{cid}/'")
        assert text in browser.find_element(By.TAG_NAME, "main").text
        browser.find_element(By.ID, "do-start").click()
        wait_for(browser, "return document.getElementById('status').dataset.status === 'in_progress'")
        wait_for(browser, "return document.body.dataset.mapReady === '1'")
        assert serious_problems(browser) == [], "complaint page"
        shoot(browser, f"complaint-{size}")
        WEIGHTS[f"complaint-{size}"] = own_weight(browser)
        photo = tmp_path / f"after-{size}.jpg"
        photo.write_bytes(encode(picture(11 if size == "phone" else 12), "JPEG"))
        browser.find_element(By.ID, "finish-photo").send_keys(str(photo))
        browser.find_element(By.ID, "finish-note").send_keys("เปลี่ยนหลอดไฟแล้ว ขอบคุณที่แจ้ง")
        browser.find_element(By.ID, "do-finish").click()
        wait_for(browser, "return document.getElementById('status').dataset.status === 'finished'")
        assert "เปลี่ยนหลอดไฟแล้ว" in browser.find_element(By.ID, "timeline").text
        with django_db_blocker.unblock():
            done = Complaint.objects.get(id=cid)
            assert done.status == "finished" and Photo.objects.filter(complaint=done, kind="after").count() == 1
            assert Confirmation.objects.filter(complaint=done, answered_at__isnull=True).count() == 1
        # The change feed, as the intake system reads it.
        deadline = time.monotonic() + 600
        while True:
            feed = get(f"{base}/api/v1/changes?complaint={cid}", headers=bearer(world["key"])).json()["changes"]
            events = [(c["event"], (c.get("data") or {}).get("action") or c.get("action")) for c in feed]
            if ("confirmation_asked", None) in events or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert [e for e, _ in events][:1] == ["created"] and "confirmation_asked" in [e for e, _ in events]
        finish = next(c for c in feed if c["event"] == "transition" and c["to"] == "finished")
        assert finish["note"] == "เปลี่ยนหลอดไฟแล้ว ขอบคุณที่แจ้ง"
        # Pushed to the intake system's callback (as a worker would, in this process).
        sub_id = subscribed.json()["id"]

        def pushed():
            return [c for body in receiver.bodies() for c in body["changes"] if c["complaint_id"] == cid]

        with django_db_blocker.unblock():
            while time.monotonic() < deadline and "confirmation_asked" not in [c["event"] for c in pushed()]:
                push.drain(sub_id, send=wire.send, policy=QUICK, clock=wire.now)
                time.sleep(0.1)
        assert {"transition", "confirmation_asked"} <= {c["event"] for c in pushed()}
    return cid


def test_an_officer_works_an_overdue_complaint_on_a_desktop_and_a_phone(
    live_api, world, browser, django_db_blocker, tmp_path
):
    browser.get(f"{live_api}/work/signin/")
    assert serious_problems(browser) == [], "sign-in page"
    shoot(browser, "signin-desktop")
    first = work_through(browser, world, django_db_blocker, tmp_path, "desktop")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        second = work_through(browser, world, django_db_blocker, tmp_path, "phone")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    print("own page weight (bytes):", WEIGHTS)
    assert WEIGHTS and all(20_000 < w < WEIGHT_BUDGET for w in WEIGHTS.values()), WEIGHTS
    # An officer of another agency sees none of it.
    sign_in(browser, live_api, world["officers"]["cl"])
    listed = browser.execute_script("return [...document.querySelectorAll('li.row')].map(r => Number(r.dataset.id))")
    assert first not in listed and second not in listed
    browser.get(f"{live_api}/work/complaints/{first}/")
    assert "ไม่พบ" in browser.find_element(By.TAG_NAME, "h1").text
    assert "ไฟถนนดับ" not in browser.page_source
    # In English by choice, on a desktop and a phone: the inbox and the complaint page pass the check too.
    sign_in(browser, live_api, world["officers"]["pw"])
    browser.find_element(By.CSS_SELECTOR, "form.lang button[value=en]").click()
    wait_for(browser, "return document.documentElement.lang === 'en' && document.readyState === 'complete'")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Inbox")
    for size in ("desktop", "phone"):
        if size == "phone":
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        try:
            browser.get(f"{live_api}/work/?tab=all")
            wait_for(browser, "return document.readyState === 'complete'")
            assert serious_problems(browser) == [], f"inbox in English, {size}"
            shoot(browser, f"inbox-{size}-en")
            browser.get(f"{live_api}/work/complaints/{first}/")
            wait_for(browser, "return document.body.dataset.mapReady === '1'")
            assert "Finished" in browser.find_element(By.ID, "status").text
            assert serious_problems(browser) == [], f"complaint page in English, {size}"
            shoot(browser, f"complaint-{size}-en")
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
