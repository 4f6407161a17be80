"""The daily digest e-mail per agency through the real SMTP server of the tests (aiosmtpd on
loopback): what it lists, to whom, and once per agency per day."""

import email
from datetime import timedelta
from email import policy

import pytest
from django.contrib.auth.models import User

from access.models import StaffProfile
from oversight import digest
from oversight.models import DigestSent
from oversight.tasks import DigestIncomplete, send_digests

from .oversight_data import NOW, build
from .receivers import Mailbox

pytestmark = pytest.mark.django_db
# pytest-django keeps mail in memory; these tests send through the real SMTP server.
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def made(agencies):
    made = build()
    made["A"].email = "saraban@ta.example; Director@TA.example"
    made["A"].save()
    made["B"].email = "desk@tb.example"
    made["B"].save()
    officer = User.objects.create_user("officer-ta", "officer@ta.example", "pw")
    StaffProfile.objects.create(user=officer, agency=made["A"])
    gone = User.objects.create_user("left-ta", "left@ta.example", "pw", is_active=False)
    StaffProfile.objects.create(user=gone, agency=made["A"])
    # Uttaradit's overdue c1 was escalated to T-B.
    made["c1"].escalated_to, made["c1"].escalation_level = made["B"], 1
    made["c1"].save()
    return made


@pytest.fixture
def mailbox(settings):
    with Mailbox() as box:
        settings.EMAIL_BACKEND = SMTP
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.GEO_PUBLIC_URL = "https://complaints.example"
        yield box


def received(box, address):
    out = []
    for envelope in box.messages:
        if address in envelope.rcpt_tos:
            out.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
    return out


def test_each_agency_gets_its_overdue_and_escalated_work_with_links(made, mailbox):
    done = digest.send_all(NOW)
    assert done.sent["T-A"] == ["director@ta.example", "officer@ta.example", "saraban@ta.example"]
    assert done.sent["T-B"] == ["desk@tb.example"] and "T-C" in done.no_recipient
    [to_a] = received(mailbox, "saraban@ta.example")
    text = to_a.get_body().get_content()
    assert "เกินกำหนด 2" in to_a["subject"] and "2 overdue" in to_a["subject"] and "16/11/2569" in to_a["subject"]
    # a5 (due 48 h ago) before a3 (1 h ago); a4 is not due yet; the merged a6 is never listed.
    assert text.index(f"#{made['a5'].id} ") < text.index(f"#{made['a3'].id} ")
    assert f"https://complaints.example/work/complaints/{made['a3'].id}/" in text
    assert f"#{made['a4'].id} " not in text and f"#{made['a6'].id} " not in text
    assert "Somchai" not in text and "081-234-5678" not in text and "private words" not in text
    assert "14 พ.ย. 2569" in text  # a5's deadline in the Buddhist era
    [to_b] = received(mailbox, "desk@tb.example")
    text_b = to_b.get_body().get_content()
    assert "ยกระดับมา 1" in to_b["subject"] and f"/work/complaints/{made['c1'].id}/" in text_b
    assert received(mailbox, "left@ta.example") == []


def test_once_per_agency_per_day(made, mailbox):
    digest.send_all(NOW)
    first = len(mailbox.messages)
    again = digest.send_all(NOW + timedelta(hours=6))
    assert len(mailbox.messages) == first and set(again.already) >= {"T-A", "T-B"} and not again.sent
    assert DigestSent.objects.filter(agency__code="T-A").count() == 1
    tomorrow = digest.send_all(NOW + timedelta(days=1))
    assert "T-A" in tomorrow.sent and len(received(mailbox, "saraban@ta.example")) == 2


def test_a_failed_send_leaves_no_record_and_the_retry_sends_it(made, settings):
    from geo.server import free_port

    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    failed = digest.send_all(NOW)
    assert "T-A" in failed.failed and not failed.sent
    assert not DigestSent.objects.filter(agency__code__in=("T-A", "T-B")).exists()
    with pytest.raises(DigestIncomplete):
        send_digests(timestamp=0)
    with Mailbox() as box:
        settings.EMAIL_PORT = box.port
        retried = digest.send_all(NOW)
        assert {"T-A", "T-B"} <= set(retried.sent) and len(received(box, "desk@tb.example")) == 1


def test_the_workers_run_it_daily():
    from procrastinate.contrib.django import app

    periodic = [p for p in app.periodic_registry.periodic_tasks.values() if p.task.name == "oversight.digest"]
    assert [(p.cron, p.periodic_id) for p in periodic] == [("0 0 * * *", "digest")]
    assert periodic[0].task.queueing_lock == "oversight.digest"
