"""The map page in a real browser: Debian's headless Chromium, driven by Selenium, against a live server."""

import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from .web import post

OUTPUT = Path(__file__).resolve().parent.parent / "var" / "test-output"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
    # WebGL without a GPU: MapLibre draws through SwiftShader.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    # This machine's network is closed: no background calls home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def wait_for(driver, script, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for: {script}")


def test_map_shows_complaints_and_explains_a_click(live_api, credentials, browser):
    for lon, lat in [(100.5018, 13.7563), (100.5100, 13.7500), (100.4950, 13.7600)]:
        reply = post(
            f"{live_api}/api/v1/complaints",
            {"lon": lon, "lat": lat, "category": "road"},
            headers={"Authorization": f"Bearer {credentials['key']}"},
        )
        assert reply.status in (200, 201)
    browser.get(f"{live_api}/")
    wait_for(browser, "return document.body.dataset.ready === '1'")
    assert int(browser.execute_script("return document.body.dataset.complaints")) >= 3
    rendered = wait_for(
        browser,
        "const m = window.complaintMap; return m.loaded() && m.queryRenderedFeatures({layers: ['complaints']}).length",
    )
    assert rendered >= 3
    province_codes = wait_for(
        browser,
        "const f = window.complaintMap.querySourceFeatures('provinces', {sourceLayer: 'provinces'});"
        " return f.length && [...new Set(f.map(x => x.properties.code))]",
    )
    # The page opens on Bangkok: it and its neighbours Samut Prakan, Nonthaburi and Pathum Thani are drawn.
    assert {"10", "11", "12", "13"} <= set(province_codes)
    assert "ถนน" in browser.find_element(By.ID, "chart-categories").text  # the road complaints just filed
    assert browser.execute_script("return document.body.dataset.choropleth") == "complaints:77"
    browser.execute_script(
        "const level = document.getElementById('level'); level.value = 'district';"
        "level.dispatchEvent(new Event('change'));"
    )
    wait_for(browser, "return document.body.dataset.choropleth === 'complaints:928'")

    # Click on Phra Nakhon: the panel shows who is responsible there, and why.
    x, y = browser.execute_script("const p = window.complaintMap.project([100.4990, 13.7540]); return [p.x, p.y];")
    canvas = browser.find_element(By.CSS_SELECTOR, "#map canvas")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(browser).move_to_element_with_offset(canvas, x - width / 2, y - height / 2).click().perform()
    assert wait_for(browser, "return document.body.dataset.decision") == "BKK-1001"
    assert "สำนักงานเขตพระนคร" in browser.find_element(By.ID, "decision-agency").text
    assert "พระนคร" in browser.find_element(By.ID, "decision-reason").text  # the page starts in Thai

    refreshes = int(browser.execute_script("return document.body.dataset.refreshes"))
    browser.find_element(By.ID, "lang").click()
    wait_for(browser, "return document.documentElement.lang === 'en'")
    wait_for(browser, f"return Number(document.body.dataset.refreshes) > {refreshes}")
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "Complaints"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(OUTPUT / "map.png"))


def test_map_marks_overdue_and_escalated_complaints(live_api, credentials, browser, django_db_blocker):
    from django.utils import timezone

    from complaints.models import Complaint

    reply = post(
        f"{live_api}/api/v1/complaints",
        {"lon": 100.5050, "lat": 13.7520, "category": "sidewalk"},
        headers={"Authorization": f"Bearer {credentials['key']}"},
    )
    cid = reply.json()["id"]
    with django_db_blocker.unblock():
        Complaint.objects.filter(id=cid).update(due_at=timezone.now(), escalation_level=1)
    browser.get(f"{live_api}/")
    wait_for(browser, "return document.body.dataset.ready === '1'")
    assert int(browser.execute_script("return document.body.dataset.overdue")) >= 1
    assert int(browser.execute_script("return document.body.dataset.escalated")) >= 1
    assert "เลยเส้นตาย" in browser.find_element(By.ID, "chart-deadlines").text
    marked = wait_for(
        browser,
        "const m = window.complaintMap; return m.loaded() && m.queryRenderedFeatures({layers: ['complaints']})"
        f".filter((f) => f.id === {cid} || f.properties.id === {cid})"
        ".map((f) => [f.properties.overdue, f.properties.escalation_level])[0]",
    )
    assert marked == [True, 1]
    options = browser.execute_script("return [...document.getElementById('metric').options].map((o) => o.value)")
    assert {"overdue", "escalated"} <= set(options)
