"""Who may do what in the workspace: signed-in people only, officers on their own agency's
complaints only (another agency's by id, by URL, through a bulk action: 404, nothing applied),
readers change nothing; sign-in with the lockout, sessions, CSRF, and the password link over a
real SMTP server."""

import email
import re
import time
from email import policy
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from complaints.models import Complaint

from . import workspace_setup as setup
from .receivers import Mailbox
from .workspace_setup import RUN, make_user, revision_of, signed_in

# The shared fixtures, used by name.
matcher = setup.matcher
rules = setup.rules
people = setup.people
file = setup.file

pytestmark = pytest.mark.django_db


def test_signed_out_people_are_sent_to_the_sign_in_page(client):
    reply = client.get("/work/complaints/1/")
    assert reply.status_code == 302 and reply["Location"] == "/work/signin/?next=/work/complaints/1/"
    page = client.get("/work/signin/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert "เข้าสู่ระบบ" in page.content.decode()


def test_an_account_without_agency_or_area_has_no_place_here(client, people):
    assert signed_in(client, people["nobody"]).get("/work/").status_code == 403


def test_another_agencys_complaint_by_id_and_by_url_is_not_found(client, people, file):
    theirs = file(category="cleanliness")
    c = signed_in(client, people["officer"])
    for url in (f"/work/complaints/{theirs.id}/", f"/work/complaints/{theirs.id}/?tab=overdue"):
        reply = c.get(url)
        assert reply.status_code == 404 and "ขยะ" not in reply.content.decode()
    assert c.get("/work/complaints/999999999/").status_code == 404
    assert c.get("/work/", {"q": str(theirs.id)}).context["page"].total == 0
    for action, fields in [
        ("start", {}),
        ("finish", {"note": "x"}),
        ("reply", {"text": "x"}),
        ("note", {"text": "x"}),
        ("forward", {"to_agency": "BKK-1001-PW", "reason": "x"}),
        ("not-ours", {"reason": "x"}),
        ("reopen", {}),
        ("merge", {"parent": "1"}),
        ("unmerge", {}),
    ]:
        reply = c.post(f"/work/complaints/{theirs.id}/{action}/", {"revision": revision_of(theirs), **fields})
        assert reply.status_code == 404, action
    after = Complaint.objects.get(id=theirs.id)
    assert (after.status, after.agency.code, after.history.count()) == ("waiting", "BKK-1001-CL", 1)


def test_a_bulk_action_with_one_foreign_id_is_refused_whole(client, people, file):
    mine, theirs = file(), file(category="cleanliness")
    c = signed_in(client, people["officer"])
    for action in ("start", "forward", "merge"):
        reply = c.post("/work/bulk/", {"ids": [mine.id, theirs.id], "action": action, "to_agency": "BKK-1001-CL"})
        assert reply.status_code == 404, action
    assert c.post("/work/bulk/", {"ids": [mine.id, 999999999], "action": "start"}).status_code == 404
    assert c.post("/work/bulk/", {"ids": ["x"], "action": "start"}).status_code == 400
    assert Complaint.objects.get(id=mine.id).status == "waiting"
    assert Complaint.objects.get(id=theirs.id).status == "waiting"


def test_the_other_agencys_officer_sees_their_own_only(client, people, file):
    mine, theirs = file(), file(category="cleanliness")
    c = signed_in(client, people["other"])
    ids = [row.id for row in c.get("/work/").context["page"].rows]
    assert theirs.id in ids and mine.id not in ids
    assert c.get(f"/work/complaints/{mine.id}/").status_code == 404


def test_a_reader_reads_everything_and_changes_nothing(client, people, file):
    complaint = file()
    c = signed_in(client, people["reader"])
    page = c.get(f"/work/complaints/{complaint.id}/")
    html = page.content.decode()
    assert page.status_code == 200 and "ไฟฟ้าดับหน้าวัด" in html
    assert "/start/" not in html and "/finish/" not in html and 'name="ids"' not in html
    assert c.get("/work/", {"agency": "BKK-1001-PW"}).context["page"].total >= 1
    reply = c.post(f"/work/complaints/{complaint.id}/start/", {"revision": revision_of(complaint)})
    assert reply.status_code == 403
    assert c.post("/work/bulk/", {"ids": [complaint.id], "action": "start"}).status_code == 403
    assert Complaint.objects.get(id=complaint.id).status == "waiting"


def test_every_form_needs_its_csrf_token(people, file):
    complaint = file()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["officer"])
    assert (
        strict.post(f"/work/complaints/{complaint.id}/start/", {"revision": revision_of(complaint)}).status_code == 403
    )
    assert strict.post("/work/bulk/", {"ids": [complaint.id], "action": "start"}).status_code == 403
    assert Complaint.objects.get(id=complaint.id).status == "waiting"
    assert Client(enforce_csrf_checks=True).post("/work/signin/", {"username": "a", "password": "b"}).status_code == 403


def test_sign_in_and_out_with_a_session_that_ends(client, agencies):
    user = make_user("signin", "BKK-1001-PW", password="correct horse 42")
    wrong = client.post("/work/signin/", {"username": user.username, "password": "nope"})
    assert wrong.status_code == 200 and "ไม่ถูกต้อง" in wrong.content.decode()
    right = client.post("/work/signin/?next=/work/", {"username": user.username, "password": "correct horse 42"})
    assert right.status_code == 302 and right["Location"] == "/work/"
    cookie = right.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and not cookie["expires"] and not cookie["max-age"]  # ends with the browser
    assert client.session.get_expiry_age() == 12 * 3600
    assert client.get("/work/").status_code == 200
    out = client.post("/work/signout/")
    assert out.status_code == 302 and client.get("/work/").status_code == 302


def test_the_lockout_shows_a_clear_page(client, agencies):
    user = make_user("locked", "BKK-1001-PW", password="the-right-one")
    statuses = [
        client.post("/work/signin/", {"username": user.username, "password": f"guess-{i}"}).status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] == 429
    locked = client.post("/work/signin/", {"username": user.username, "password": "the-right-one"})
    assert locked.status_code == 429 and locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "พยายามเข้าสู่ระบบหลายครั้งเกินไป" in locked.content.decode()


def _mailed_link(mailbox) -> tuple[str, str]:
    message = email.message_from_bytes(mailbox.messages[-1].original_content, policy=policy.default)
    part = message.get_body()
    assert part is not None
    found = re.search(r"http://\S+/work/password/set/\S+/", part.get_content())
    assert found is not None
    return message["subject"], found.group(0)


def test_a_new_officer_sets_a_password_from_an_e_mailed_link(client, agencies, settings):
    user = make_user("newcomer", "BKK-1001-PW")  # added by an operator, no password yet
    assert not user.has_usable_password()
    with Mailbox() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
        sent = client.post("/work/password/", {"email": user.email})
        assert sent.status_code == 302 and sent["Location"] == "/work/password/sent/"
        assert mailbox.messages[-1].rcpt_tos == [user.email]
        subject, link = _mailed_link(mailbox)
    assert "ตั้งรหัสผ่าน" in subject
    form = client.get(urlsplit(link).path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    new = "ไฟถนน-สว่าง-2569"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/work/password/done/"
    signed = client.post("/work/signin/", {"username": user.username, "password": new})
    assert signed.status_code == 302
    reused = client.get(urlsplit(link).path, follow=True)
    assert "หมดอายุ" in reused.content.decode()  # a link works once


def test_repeating_the_password_form_mails_one_link(client, agencies, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "links"}}
    user = make_user("repeater", "BKK-1001-PW")
    with Mailbox() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
        for _ in range(5):
            sent = client.post("/work/password/", {"email": user.email.upper()})
            assert sent.status_code == 302 and sent["Location"] == "/work/password/sent/"
        time.sleep(0.5)  # the SMTP server has taken what was sent
        assert [m.rcpt_tos for m in mailbox.messages] == [[user.email]]


def test_the_admin_sends_a_password_link(client, agencies, settings):
    from django.contrib.auth.models import User

    operator = User.objects.create_superuser(f"op-{RUN}", f"op-{RUN}@example.org", None)
    officer = make_user("added", "BKK-1001-PW")
    client.force_login(operator)
    with Mailbox() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
        reply = client.post(
            "/admin/auth/user/", {"action": "send_password_link", "_selected_action": [officer.id]}, follow=True
        )
        assert reply.status_code == 200 and "1 link(s) sent" in reply.content.decode()
        assert mailbox.messages[-1].rcpt_tos == [officer.email]
        _, link = _mailed_link(mailbox)
    assert "/work/password/set/" in link


@pytest.mark.parametrize("kind", ["new", "escalation", "reminder"])
def test_the_e_mails_link_opens_the_complaints_page_after_sign_in(client, people, file, kind):
    from delivery import payload
    from delivery.channels.email import body
    from routing.models import Agency

    complaint = file()
    text = body(payload.build(complaint, Agency.objects.get(code="BKK-1001-PW"), kind=kind, delivery_id="d-1"))
    link = f"{settings.GEO_PUBLIC_URL}/work/complaints/{complaint.id}/"
    assert f"เปิดเรื่องในระบบงาน: {link}" in text and f"Open it in the workspace: {link}" in text
    path = urlsplit(link).path
    to_sign_in = client.get(path)
    assert to_sign_in["Location"] == f"/work/signin/?next={path}"
    people["officer"].set_password("pw-officer-1")
    people["officer"].save()
    back = client.post(
        to_sign_in["Location"], {"username": people["officer"].username, "password": "pw-officer-1", "next": path}
    )
    assert back.status_code == 302 and back["Location"] == path
    assert client.get(path).status_code == 200


def test_a_reader_sees_no_internal_note_and_no_phone_number(client, people, file):
    complaint = file(description="ไฟดับ โทร 081-234-5678")
    officer = signed_in(Client(), people["officer"])
    officer.post(f"/work/complaints/{complaint.id}/note/", {"revision": revision_of(complaint), "text": "ช่างสมชาย"})
    assert "ช่างสมชาย" in officer.get(f"/work/complaints/{complaint.id}/").content.decode()
    html = signed_in(client, people["reader"]).get(f"/work/complaints/{complaint.id}/").content.decode()
    assert "ช่างสมชาย" not in html and "081-234-5678" not in html and "ไฟดับ" in html


def test_the_agency_a_complaint_is_escalated_to_reads_it_and_cannot_change_it(client, people, file):
    from routing.models import Agency

    complaint = file(overdue=True)
    Complaint.objects.filter(id=complaint.id).update(
        escalation_level=1, escalated_to=Agency.objects.get(code="BKK-1001-CL")
    )
    c = signed_in(client, people["other"])  # an officer of BKK-1001-CL, where it was escalated
    assert complaint.id in [row.id for row in c.get("/work/", {"tab": "escalated"}).context["page"].rows]
    page = c.get(f"/work/complaints/{complaint.id}/")
    assert page.status_code == 200 and "/start/" not in page.content.decode()
    assert c.post(f"/work/complaints/{complaint.id}/start/", {"revision": revision_of(complaint)}).status_code == 403
    assert c.post("/work/bulk/", {"ids": [complaint.id], "action": "start"}).status_code == 404
    assert Complaint.objects.get(id=complaint.id).status == "waiting"
