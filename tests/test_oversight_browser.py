"""The executives' view in Debian's headless Chromium against the served stack (nginx, gunicorn):
a governor's office of Narathiwat, signed in, at desktop and phone width; screenshots into docs/."""

import random
import shutil
import subprocess
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from selenium.webdriver.common.by import By

from .test_map_page import browser, wait_for  # noqa: F401  (the module's Chromium fixture)
from .test_workspace_browser import serious_problems

DOCS = Path(__file__).resolve().parent.parent / "docs"
AGENCIES = [
    ("DEMO-NRW-TM", "เทศบาลเมืองนราธิวาส", "Narathiwat Town Municipality", 1.0),
    ("DEMO-NRW-HW", "แขวงทางหลวงนราธิวาส", "Narathiwat Highways District", 0.6),
    ("DEMO-NRW-PEA", "การไฟฟ้าส่วนภูมิภาคจังหวัดนราธิวาส", "PEA Narathiwat", 0.5),
    ("DEMO-NRW-PWA", "การประปาส่วนภูมิภาคสาขานราธิวาส", "PWA Narathiwat", 0.35),
    ("DEMO-NRW-SAO", "องค์การบริหารส่วนตำบลโคกเคียน", "Khok Khian SAO", 0.25),
]
PLACES = [(101.80, 6.42, "960101"), (101.76, 6.35, "960105"), (102.05, 6.25, "960201"), (101.88, 6.18, "961301")]


@pytest.fixture(scope="module")
def governor(front_server, django_db_blocker):
    """Committed: five agencies, about 300 complaints of the last twelve weeks, a governor's office
    account and its session; all removed afterwards."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from access.models import ExecutiveProfile
    from complaints.models import Complaint
    from routing.models import Agency

    rng = random.Random(22)
    now = timezone.now()
    with django_db_blocker.unblock():
        made = []
        for code, th, en, weight in AGENCIES:
            agency = Agency.objects.create(code=code, name_th=th, name_en=en, kind="demo", jurisdiction_code="96")
            for _ in range(int(90 * weight)):
                lon, lat, sub = rng.choice(PLACES)
                created = now - timedelta(hours=rng.uniform(2, 12 * 7 * 24))
                state = rng.random()
                status = "finished" if state < 0.55 * weight + 0.2 else ("in_progress" if state < 0.85 else "waiting")
                response = created + timedelta(hours=rng.uniform(0.5, 40 / weight))
                made.append(
                    Complaint(
                        source="demo-oversight",
                        location=Point(lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)),
                        categories=["road"],
                        status=status,
                        agency=agency,
                        province_code="96",
                        district_code=sub[:4],
                        subdistrict_code=sub,
                        created=created,
                        first_response_at=min(response, now) if status != "waiting" else None,
                        resolved_at=min(response + timedelta(hours=rng.uniform(4, 200)), now)
                        if status == "finished"
                        else None,
                        due_at=created + timedelta(hours=rng.uniform(48, 900) * weight)
                        if status != "finished"
                        else None,
                        reopen_count=int(rng.random() < 0.06),
                    )
                )
        Complaint.objects.bulk_create(made)
        user = User.objects.create_user("governor-96", "governor@narathiwat.example", "pw")
        ExecutiveProfile.objects.create(user=user, province_code="96")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
    yield session.session_key
    with django_db_blocker.unblock():
        Complaint.objects.filter(source="demo-oversight").delete()
        Agency.objects.filter(code__startswith="DEMO-NRW-").delete()
        user.delete()


def test_the_executive_view_at_desktop_and_phone_width(live_api, governor, browser):  # noqa: F811
    browser.set_window_size(1400, 900)
    browser.get(f"{live_api}/livez")
    browser.add_cookie({"name": "sessionid", "value": governor, "path": "/"})
    browser.get(f"{live_api}/work/exec/")
    assert "นราธิวาส" in browser.find_element(By.TAG_NAME, "h1").text
    rows = browser.find_elements(By.CSS_SELECTOR, "table.scorecard tbody tr")
    assert len(rows) == 5 and "เทศบาลเมืองนราธิวาส" in rows[0].text  # the most received first
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.trend g.week")) == 12
    wait_for(browser, "return document.getElementById('overdue-map').dataset.ready === '1'")
    points = wait_for(
        browser, "const m = window.overdueMap; return m.loaded() && m.querySourceFeatures('overdue').length"
    )
    assert points > 10
    DOCS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, height + 140)  # the whole page: table, trend and map
    wait_for(browser, "return window.overdueMap.loaded()")
    assert browser.save_screenshot(str(DOCS / "oversight-exec-desktop.png"))
    assert serious_problems(browser) == [], "executive view, desktop"
    # A phone: the table becomes cards, nothing wider than the screen.
    browser.set_window_size(360, 740)
    browser.get(f"{live_api}/work/exec/?sort=-overdue")
    wait_for(browser, "return document.getElementById('overdue-map').dataset.ready === '1'")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 360
    first = browser.find_element(By.CSS_SELECTOR, "table.scorecard tbody tr")
    assert first.size["width"] <= 360 and first.size["height"] > 120  # a card of label and value pairs
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(360, min(height + 140, 4000))
    wait_for(browser, "return window.overdueMap.loaded()")
    assert browser.save_screenshot(str(DOCS / "oversight-exec-phone.png"))
    assert serious_problems(browser) == [], "executive view, phone"
    # In English by choice.
    browser.set_window_size(1400, 900)
    browser.get(f"{live_api}/work/exec/?lang=en")
    wait_for(browser, "return document.documentElement.lang === 'en' && document.readyState === 'complete'")
    assert "Received" in browser.find_element(By.CSS_SELECTOR, "table.scorecard thead").text
    assert serious_problems(browser) == [], "executive view in English"
    assert browser.save_screenshot(str(DOCS / "oversight-exec-desktop-en.png"))
    csp = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert csp == []


def test_the_monthly_report_of_the_demo_province_as_pictures(live_api, governor, tmp_path):
    """Last month's report for the docs: its first page as an image (pdftoppm)."""
    request = urllib.request.Request(f"{live_api}/work/exec/report.pdf", headers={"Cookie": f"sessionid={governor}"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.headers["Content-Type"] == "application/pdf"
        (tmp_path / "report.pdf").write_bytes(reply.read())
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "2", tmp_path / "report.pdf", tmp_path / "p"], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 2
    shutil.copy(pages[0], DOCS / "oversight-report-page1.png")
    shutil.copy(pages[1], DOCS / "oversight-report-page2.png")
