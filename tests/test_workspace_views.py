"""The officers' workspace, server side: the inbox, a complaint's page, and every action with its
refusals (Django's test client against the real database; the commands are the shared write path)."""

import io

import pytest
from django.utils.html import escape
from PIL import Image

from complaints.models import Complaint, Confirmation, HistoryEntry
from photos.models import Photo

from . import workspace_setup as setup
from .workspace_setup import OURS, THEIRS, revision_of, signed_in

# The shared fixtures, used by name.
matcher = setup.matcher
rules = setup.rules
people = setup.people
file = setup.file

pytestmark = pytest.mark.django_db


def jpeg(seed=3) -> bytes:
    from .photo_files import encode, picture

    return encode(picture(seed), "JPEG")


def upload(content: bytes, name="after.jpg", kind="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=kind)


def act(client, complaint, action, **fields):
    fields.setdefault("revision", revision_of(complaint))
    return client.post(f"/work/complaints/{complaint.id}/{action}/", fields)


def test_the_inbox_lists_the_agencys_complaints_overdue_first_with_tab_counts(client, people, file):
    later = file(description="ไฟดับซอย 1")
    late = file(description="ไฟดับซอย 2", overdue=True)
    theirs = file(category="cleanliness", description="ขยะล้น")
    assert later.agency.code == OURS and theirs.agency.code == THEIRS
    page = signed_in(client, people["officer"]).get("/work/")
    assert page.status_code == 200 and page["Content-Language"] == "th"
    html = page.content.decode()
    assert html.index(f"#{late.id}<") < html.index(f"#{later.id}<")  # overdue first
    assert f"#{theirs.id}<" not in html
    counts = {t: c for t, _, c in page.context["tabs"]}
    assert counts["overdue"] >= 1 and counts["new"] >= 2
    assert "กล่องงาน" in html and "เลยกำหนด" in html  # Thai by default
    on_map = [f["id"] for f in page.context["geojson"]["features"]]  # the map shows the list's rows
    assert on_map.index(late.id) < on_map.index(later.id) and theirs.id not in on_map


def test_search_by_number_ticket_and_text_and_the_filters(client, people, file):
    one, two = file(description="เสาไฟล้มขวางถนน"), file(description="หลอดไฟกะพริบ")
    c = signed_in(client, people["officer"])
    ids = lambda r: [row.id for row in r.context["page"].rows]  # noqa: E731
    assert ids(c.get("/work/", {"q": str(one.id)})) == [one.id]
    assert ids(c.get("/work/", {"q": two.client_ticket_id})) == [two.id]
    assert ids(c.get("/work/", {"q": "กะพริบ"})) == [two.id]
    assert two.id in ids(c.get("/work/", {"category": "street_light", "status": "waiting"}))
    assert ids(c.get("/work/", {"status": "finished", "q": "กะพริบ"})) == []
    assert ids(c.get("/work/", {"subdistrict": one.subdistrict_code, "q": "เสาไฟ"})) == [one.id]


@pytest.mark.parametrize("query", [{"date_from": "yesterday"}, {"tab": "nope"}, {"status": "x"}, {"page": "-1"}])
def test_a_bad_filter_is_a_clear_400(client, people, query):
    reply = signed_in(client, people["officer"]).get("/work/", query)
    assert reply.status_code == 400 and "error" in reply.content.decode()


def test_the_complaint_page_shows_the_case_the_reason_and_the_timeline(client, people, file):
    complaint = file(description="ไฟถนนดับทั้งซอย")
    page = signed_in(client, people["officer"]).get(f"/work/complaints/{complaint.id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "ไฟถนนดับทั้งซอย" in html
    reason = complaint.decision["reason"]
    assert escape(reason["th"]) in html and escape(reason["en"]) in html
    assert "รับแจ้ง" in html  # the "created" history entry
    assert f'name="revision" value="{revision_of(complaint)}"' in html
    assert 'capture="environment"' not in html  # finishing is offered once it is in progress
    assert "รับเรื่องและเริ่มดำเนินการ" in html and "csrfmiddlewaretoken" in html


def test_start_then_finish_with_a_photo_and_a_public_note(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    assert act(c, complaint, "start").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    entry = complaint.history.filter(event="transition").last()
    assert (entry.action, entry.actor_role, entry.actor_agency) == ("start", "staff", OURS)
    page = c.get(f"/work/complaints/{complaint.id}/").content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    reply = act(c, complaint, "finish", note="เปลี่ยนหลอดไฟแล้ว", photo=upload(jpeg()))
    assert reply.status_code == 302, reply.content[:500]
    complaint.refresh_from_db()
    assert complaint.status == "finished"
    finish = complaint.history.filter(event="transition", action="finish").get()
    assert finish.note == "เปลี่ยนหลอดไฟแล้ว"
    photo = Photo.objects.get(complaint=complaint, kind=Photo.AFTER)
    assert photo.history_entry_id == finish.id
    assert Confirmation.objects.filter(complaint=complaint, answered_at__isnull=True).count() == 1
    page = c.get(f"/work/complaints/{complaint.id}/").content.decode()
    assert f"/api/v1/photos/{photo.id}/thumbnail.webp" in page and "เปิดเรื่องอีกครั้ง" in page


def test_a_refused_finish_leaves_nothing_behind(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    act(c, complaint, "start")
    before = HistoryEntry.objects.filter(complaint=complaint).count()
    no_photo = act(c, complaint, "finish", note="เสร็จ")
    assert no_photo.status_code == 400 and "ภาพ" in no_photo.content.decode()
    not_a_photo = act(c, complaint, "finish", note="เสร็จ", photo=upload(b"not an image at all", "x.jpg"))
    assert not_a_photo.status_code == 400 and "ใช้ภาพนี้ไม่ได้" in not_a_photo.content.decode()
    assert "เสร็จ</textarea>" in not_a_photo.content.decode()  # what was typed is kept
    complaint.refresh_from_db()
    assert complaint.status == "in_progress" and not Photo.objects.filter(complaint=complaint).exists()
    assert HistoryEntry.objects.filter(complaint=complaint).count() == before


def test_a_stale_form_says_changed_meanwhile_and_applies_nothing(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    seen = revision_of(complaint)
    assert act(c, complaint, "start", revision=seen).status_code == 302  # another officer, first
    again = act(c, complaint, "forward", revision=seen, to_agency=THEIRS, reason="ของฝ่ายรักษาความสะอาด")
    assert again.status_code == 409
    html = again.content.decode()
    assert "มีการเปลี่ยนแปลงระหว่างนั้น" in html and "กำลังดำเนินการ" in html  # the new state
    complaint.refresh_from_db()
    assert complaint.agency.code == OURS and complaint.status == "in_progress"


def test_an_illegal_transition_is_a_409_with_the_state(client, people, file):
    complaint = file()
    reply = act(signed_in(client, people["officer"]), complaint, "reopen")
    assert reply.status_code == 409 and "รอรับเรื่อง" in reply.content.decode()
    assert Complaint.objects.get(id=complaint.id).status == "waiting"


def test_reply_and_internal_note(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    assert act(c, complaint, "reply", text="").status_code == 400
    assert act(c, complaint, "note", text="   ").status_code == 400
    assert act(c, complaint, "reply", text="ทีมงานจะเข้าไปภายในวันนี้").status_code == 302
    assert act(c, complaint, "note", text="ช่างชื่อสมชาย โทร 081-234-5678").status_code == 302
    page = c.get(f"/work/complaints/{complaint.id}/").content.decode()
    assert "ทีมงานจะเข้าไปภายในวันนี้" in page and "081-234-5678" in page and "ภายใน" in page
    public = c.get(f"/api/v1/complaints/{complaint.id}")  # the officer's session: still no internal note
    client.logout()
    anyone = client.get(f"/api/v1/complaints/{complaint.id}").json()
    notes = [h["note"] for h in anyone["history"]]
    assert "ทีมงานจะเข้าไปภายในวันนี้" in notes
    assert not any("สมชาย" in (n or "") for n in notes) and public.status_code == 200


def test_forward_needs_an_agency_and_a_reason(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    assert act(c, complaint, "forward", to_agency=THEIRS, reason="").status_code == 400
    assert act(c, complaint, "forward", to_agency="NO-SUCH", reason="ผิดหน่วย").status_code == 400
    assert Complaint.objects.get(id=complaint.id).agency.code == OURS
    moved = act(c, complaint, "forward", to_agency=f"{THEIRS} ฝ่ายรักษาความสะอาด", reason="เป็นเรื่องขยะ")
    assert moved.status_code == 302 and moved["Location"] == "/work/"
    complaint.refresh_from_db()
    assert complaint.agency.code == THEIRS and complaint.status == "forwarded"
    assert c.get(f"/work/complaints/{complaint.id}/").status_code == 404  # no longer ours


def test_not_ours_needs_a_reason_and_goes_back_to_routing(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    empty = act(c, complaint, "not-ours", reason=" ")
    assert empty.status_code == 400 and "เหตุผล" in empty.content.decode()
    assert act(c, complaint, "not-ours", reason="ไฟทางหลวง ไม่ใช่ของเขต").status_code == 302
    complaint.refresh_from_db()
    returned = complaint.history.filter(event="returned").get()
    assert returned.note == "ไฟทางหลวง ไม่ใช่ของเขต"
    assert complaint.agency is None or complaint.agency.code != OURS


def test_response_templates_of_the_agency_fill_the_note(client, people, file):
    from routing.models import Agency
    from workspace.models import ResponseTemplate

    ours, theirs = Agency.objects.get(code=OURS), Agency.objects.get(code=THEIRS)
    ResponseTemplate.objects.create(agency=ours, title="รับเรื่องแล้ว", text="ได้รับเรื่องแล้ว จะดำเนินการใน 3 วัน")
    ResponseTemplate.objects.create(agency=ours, title="ถนน", text="ส่งช่างถนน", category="road")
    ResponseTemplate.objects.create(agency=theirs, title="ของเขา", text="ไม่ควรเห็น")
    page = signed_in(client, people["officer"]).get(f"/work/complaints/{file().id}/").content.decode()
    assert 'value="ได้รับเรื่องแล้ว จะดำเนินการใน 3 วัน"' in page
    assert "ส่งช่างถนน" not in page and "ไม่ควรเห็น" not in page
    assert 'class="fill-template" data-target="reply-text"' in page


def test_merge_a_duplicate_and_unmerge_it(client, people, file):
    first = file(description="ไฟดับหน้าวัด")
    second = file(description="ไฟดับหน้าวัดครับ")
    c = signed_in(client, people["officer"])
    page = c.get(f"/work/complaints/{second.id}/").content.decode()
    assert f'name="parent" value="{first.id}"' in page  # offered as a candidate
    assert act(c, second, "merge", parent=first.id).status_code == 302
    second.refresh_from_db()
    assert second.parent_id == first.id
    assert f"#{second.id}</a>" in c.get(f"/work/complaints/{first.id}/").content.decode()
    assert act(c, second, "unmerge").status_code == 302
    second.refresh_from_db()
    assert second.parent_id is None


def test_bulk_start_and_merge(client, people, file):
    a, b, d = file(), file(), file()
    c = signed_in(client, people["officer"])
    reply = c.post("/work/bulk/", {"ids": [a.id, b.id], "action": "start"})
    assert reply.status_code == 302
    assert set(Complaint.objects.filter(id__in=[a.id, b.id]).values_list("status", flat=True)) == {"in_progress"}
    merged = c.post("/work/bulk/", {"ids": [b.id, d.id], "action": "merge"})
    assert merged.status_code == 302 and merged["Location"] == f"/work/complaints/{b.id}/"
    assert Complaint.objects.get(id=d.id).parent_id == b.id
    refused = c.post("/work/bulk/", {"ids": [a.id], "action": "explode"})
    assert refused.status_code == 400


def test_the_agency_picker_searches_on_the_server(client, people):
    reply = signed_in(client, people["officer"]).get("/work/agencies/", {"q": "BKK-1001-C"})
    assert reply.status_code == 200
    assert f'<option value="{THEIRS}">' in reply.content.decode()
    assert "<option" not in signed_in(client, people["officer"]).get("/work/agencies/", {"q": "zzzz"}).content.decode()


def test_english_by_choice(client, people, file):
    complaint = file()
    c = signed_in(client, people["officer"])
    switched = c.post("/work/language/", {"language": "en", "next": f"/work/complaints/{complaint.id}/"})
    assert switched.status_code == 302
    page = c.get(f"/work/complaints/{complaint.id}/")
    assert page["Content-Language"] == "en" and "Accept and start" in page.content.decode()
    assert "Inbox" in c.get("/work/").content.decode()


def test_dates_in_the_buddhist_era_in_thai():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from workspace.templatetags.workspace import be_date

    moment = datetime(2026, 12, 7, 7, 5, tzinfo=ZoneInfo("UTC"))  # 14:05 in Bangkok
    with translation.override("th"):
        assert be_date(moment) == "7 ธ.ค. 2569 14:05"
    with translation.override("en"):
        assert be_date(moment) == "7 Dec 2026 14:05"
    assert be_date(None) == "–"


def test_the_photo_is_a_real_jpeg():
    assert Image.open(io.BytesIO(jpeg())).format == "JPEG"


def test_the_committed_thai_catalogue_is_the_compiled_po(tmp_path):
    """workspace/locale/th's django.mo is committed: it must say what django.po says (gettext's
    msgfmt is in scripts/bootstrap.sh's packages)."""
    import gettext
    import subprocess
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "workspace" / "locale" / "th" / "LC_MESSAGES"
    subprocess.run(["msgfmt", "-o", str(tmp_path / "fresh.mo"), str(folder / "django.po")], check=True)
    with open(tmp_path / "fresh.mo", "rb") as fresh, open(folder / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog
    with open(folder / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(committed).gettext("Inbox") == "กล่องงาน"
