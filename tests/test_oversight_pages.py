"""The executives' pages over HTTP (Django's test client): who may read which area, read-only, Thai
first, and the CSV, XLSX and PDF exports' content."""

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from access.models import ExecutiveProfile, StaffProfile
from oversight import areas

from .oversight_data import build

pytestmark = pytest.mark.django_db

OUTPUT = Path(__file__).resolve().parent.parent / "var" / "test-output"
PERIOD = "since=2026-11-02&until=2026-11-15"
URLS = ["/work/exec/", "/work/exec/overdue.geojson", "/work/exec/agencies.csv", "/work/exec/agencies.xlsx"]


@pytest.fixture
def made(thailand, agencies):
    made = build()
    for name, province, district in (("gov96", "96", ""), ("gov53", "53", ""), ("chief9602", "96", "9602")):
        user = User.objects.create_user(name, f"{name}@example.org", "pw")
        ExecutiveProfile.objects.create(user=user, province_code=province, district_code=district)
        made[name] = user
    officer = User.objects.create_user("officer-a", "officer@example.org", "pw")
    StaffProfile.objects.create(user=officer, agency=made["A"])
    made["officer"] = officer
    made["operator"] = User.objects.create_user("operator", "op@example.org", "pw", is_staff=True)
    return made


def as_user(client, user):
    client.force_login(user)
    return client


def test_signed_out_goes_to_sign_in_and_an_officer_is_refused(client, made):
    reply = client.get("/work/exec/")
    assert reply.status_code == 302 and "next=/work/exec/" in reply["Location"]
    as_user(client, made["officer"])
    for url in [*URLS, "/work/exec/report.pdf", "/work/ops/returns"]:
        assert client.get(url + "?area=96").status_code == 403, url


def test_an_executive_sees_their_province_in_thai_with_links_to_each_inbox(client, made):
    reply = as_user(client, made["gov96"]).get(f"/work/exec/?{PERIOD}")
    assert reply.status_code == 200
    page = reply.content.decode()
    assert "นราธิวาส" in page and "ทดสอบ ก" in page and "ทดสอบ ข" in page
    assert "ทดสอบ ค" not in page  # Uttaradit's agency
    assert 'href="/work/?agency=T-A"' in page and 'href="/work/?agency=T-B"' in page
    assert "หน่วยงาน" in page and "2 พ.ย. 2569" in page  # Thai labels, Buddhist era
    assert "Somchai" not in page and "081-234-5678" not in page
    english = client.get(f"/work/exec/?{PERIOD}&lang=en")
    assert "Agencies side by side" in english.content.decode() and "2 Nov 2026" in english.content.decode()
    assert english.cookies["django_language"].value == "en"
    assert "Agencies side by side" in client.get(f"/work/exec/?{PERIOD}").content.decode()  # remembered


def test_another_province_or_a_wider_area_is_404(client, made):
    as_user(client, made["gov96"])
    for url in [*URLS, "/work/exec/report.pdf"]:
        assert client.get(url + "?area=53").status_code == 404, url
        assert client.get(url + "?area=5301").status_code == 404, url
    assert client.get("/work/exec/?area=9601").status_code == 200  # a district of their own province
    assert client.get("/work/exec/?area=99").status_code == 404  # no such province
    as_user(client, made["chief9602"])
    assert client.get("/work/exec/?area=96").status_code == 404  # a district chief cannot widen
    assert client.get("/work/exec/").status_code == 200


def test_executives_cannot_post_anything(client, made):
    as_user(client, made["gov96"])
    for url in [*URLS, "/work/exec/report.pdf", "/work/ops/returns"]:
        assert client.post(url + "?area=96", {"x": "1"}).status_code == 405, url


def test_operators_pick_any_province(client, made):
    as_user(client, made["operator"])
    picker = client.get("/work/exec/")
    assert picker.status_code == 200 and 'value="53"' in picker.content.decode()
    page = client.get(f"/work/exec/?area=53&{PERIOD}").content.decode()
    assert "ทดสอบ ค" in page and "ทดสอบ ก" not in page


def test_sorting_and_bad_parameters(client, made):
    as_user(client, made["gov96"])
    page = client.get(f"/work/exec/?{PERIOD}&sort=name").content.decode()
    assert page.index("ทดสอบ ก") < page.index("ทดสอบ ข")
    page = client.get(f"/work/exec/?{PERIOD}&sort=-name").content.decode()
    assert page.index("ทดสอบ ข") < page.index("ทดสอบ ก")
    for bad in ("since=yesterday", "sort=bogus", "since=2026-11-10&until=2026-11-01", "since=2020-01-01"):
        reply = client.get(f"/work/exec/?{bad}&lang=en")
        assert reply.status_code == 400, bad
        assert 'role="alert"' in reply.content.decode()
    assert client.get("/work/exec/report.pdf?month=2026-13").status_code == 400


def test_csv_and_xlsx_hold_the_scorecard(client, made):
    from openpyxl import load_workbook

    as_user(client, made["gov96"])
    reply = client.get(f"/work/exec/agencies.csv?{PERIOD}")
    assert reply["Content-Type"].startswith("text/csv") and "attachment" in reply["Content-Disposition"]
    lines = reply.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,name_th,name_en,received,done,response_h,done_h,open_now,overdue_now")
    assert lines[1] == "T-A,ทดสอบ ก,Test A,4,2,4.0,20.0,3,3,1.0,0.25,5,4.2"  # a4's deadline too has passed now
    assert lines[2].startswith(",,,1,0,,,1,0,0.0,0.0,0,") and lines[3].startswith(
        "T-B,ทดสอบ ข,Test B,1,1,1.0,3.0,0,0,,"
    )
    reply = client.get(f"/work/exec/agencies.xlsx?{PERIOD}&lang=en")
    book = load_workbook(io.BytesIO(reply.content))
    sheet = book["Agencies"]
    assert sheet["A2"].value == "Agency code" and sheet["B3"].value == "ทดสอบ ก" and sheet["D3"].value == 4
    weeks = [tuple(r) for r in book["Weeks"].iter_rows(min_row=2, values_only=True)]
    assert [(w[0], w[2], w[3]) for w in weeks] == [("2026-W45", 3, 2), ("2026-W46", 3, 1)]


def test_the_monthly_pdf_is_two_a4_pages_with_the_agencies(client, made):
    as_user(client, made["gov96"])
    reply = client.get("/work/exec/report.pdf?month=2026-11")
    assert reply.status_code == 200 and reply["Content-Type"] == "application/pdf"
    path = OUTPUT / "oversight-report.pdf"  # kept: its pages are looked at as pictures (docs/oversight.md)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reply.content)
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +2$", info, re.M) and "595.276 x 841.89" in info  # A4 in points
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    first, second = text.split("\f")[:2]
    assert "นราธิวาส" in first and "พฤศจิกายน 2569" in first
    assert "ทดสอบ ก" in second and "ทดสอบ ข" in second and "ทดสอบ ค" not in text
    assert "Somchai" not in text


def test_who_may_read_an_agencys_inbox(made):
    assert areas.may_read_agency(made["gov96"], "T-A") and areas.may_read_agency(made["gov96"], "T-B")
    assert not areas.may_read_agency(made["gov96"], "T-C")
    assert areas.may_read_agency(made["gov53"], "T-C") and not areas.may_read_agency(made["gov53"], "T-A")
    assert areas.may_read_agency(made["operator"], "T-C")
    assert not areas.may_read_agency(made["officer"], "T-B")


def test_a_printed_report_is_kept_and_at_most_two_print_at_once(client, made, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "print"}}
    from django.core.cache import cache

    as_user(client, made["gov96"])
    first = client.get("/work/exec/report.pdf?month=2026-11")
    assert first.status_code == 200
    assert cache.add("slot:oversight:printer:0", "held", 60) and cache.add("slot:oversight:printer:1", "held", 60)
    again = client.get("/work/exec/report.pdf?month=2026-11")  # kept: no printer needed
    assert again.status_code == 200 and again.content == first.content
    other = client.get("/work/exec/report.pdf?month=2026-10")  # not kept, every printer busy
    assert other.status_code == 503 and other["Retry-After"] == "10"
    cache.delete_many(["slot:oversight:printer:0", "slot:oversight:printer:1"])
    assert client.get("/work/exec/report.pdf?month=2026-10").status_code == 200
