"""E-mail through Django's mail framework, Thai first then English, with the reason and a link."""

import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ..models import Delivery
from ..outcome import UNREACHABLE, Outcome

TITLES = {
    "new": ("เรื่องร้องเรียนใหม่", "New complaint"),
    "withdrawal": ("ถอนเรื่อง: ส่งต่อให้หน่วยงานอื่นแล้ว", "Withdrawn: now with another agency"),
    "escalation": ("เรื่องเกินกำหนด ยกระดับมาถึงท่าน", "Escalated: an overdue complaint"),
    "reminder": ("แจ้งเตือน: ใกล้ครบกำหนด", "Reminder: the deadline is near"),
}


def subject(payload: dict) -> str:
    th, en = TITLES.get(payload["kind"], (payload["kind"], payload["kind"]))
    number = payload["complaint"]["id"]
    return f"[#{number}] {th} / {en}"


def _page(payload: dict) -> str:
    """The complaint's page in the officers' workspace; payloads scheduled before it existed lack it."""
    links = payload["links"]
    return links.get("workspace") or links["complaint"].replace("/api/v1/complaints/", "/work/complaints/") + "/"


def body(payload: dict) -> str:
    complaint = payload["complaint"]
    reason = payload["decision"].get("reason") or {}
    th, en = TITLES.get(payload["kind"], (payload["kind"], payload["kind"]))
    agency = complaint.get("agency") or {}
    note = payload.get("note") or ""
    lines_th = [
        f"{th} เลขที่ {complaint['id']}",
        f"ประเภท: {', '.join(complaint.get('categories') or [])}",
        f"รายละเอียด: {complaint.get('description') or '-'}",
        f"ตำแหน่ง: {complaint['lat']:.6f}, {complaint['lon']:.6f}",
        f"เหตุผลที่ส่งถึงหน่วยงานนี้: {reason.get('th') or '-'}",
        f"หน่วยงานที่รับผิดชอบขณะนี้: {agency.get('name_th') or agency.get('code') or '-'}",
        *([f"หมายเหตุ: {note}"] if note else []),
        f"เปิดเรื่องในระบบงาน: {_page(payload)}",
        f"ข้อมูลสำหรับระบบ (JSON): {payload['links']['complaint']}",
    ]
    lines_en = [
        f"{en} number {complaint['id']}",
        f"Category: {', '.join(complaint.get('categories') or [])}",
        f"Location: {complaint['lat']:.6f}, {complaint['lon']:.6f}",
        f"Why it was sent to you: {reason.get('en') or '-'}",
        f"Now responsible: {agency.get('name_en') or agency.get('code') or '-'}",
        *([f"Note: {note}"] if note else []),
        f"Open it in the workspace: {_page(payload)}",
        f"Data for systems (JSON): {payload['links']['complaint']}",
        "",
        f"Delivery id: {payload['delivery_id']}",
    ]
    return "\n".join([*lines_th, "", "----", "", *lines_en]) + "\n"


def send(delivery: Delivery) -> Outcome:
    agency = delivery.agency
    if not agency.email:
        return Outcome(error=f"{agency.code} has no e-mail address any more", transient=False, config_problem=True)
    if not settings.EMAIL_HOST:
        return Outcome(error="no SMTP server configured (EMAIL_HOST)", transient=False, config_problem=True)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    message = EmailMessage(
        subject=subject(delivery.payload),
        body=body(delivery.payload),
        to=[agency.email],
        # The same Message-ID on every retry: mail systems can drop the repeat.
        headers={"Message-ID": f"<{delivery.uuid}@{domain}>", "X-Delivery-Id": str(delivery.uuid)},
    )
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT).send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return _refused(code, text, took())
    except smtplib.SMTPAuthenticationError as exc:
        return Outcome(
            error=f"SMTP login refused: {exc.smtp_code}", transient=False, config_problem=True, duration_ms=took()
        )
    except smtplib.SMTPResponseException as exc:
        return _refused(exc.smtp_code, exc.smtp_error, took())
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        return Outcome(error=UNREACHABLE, detail=f"SMTP: {type(exc).__name__}: {exc}"[:1000], duration_ms=took())
    return Outcome(status=250, duration_ms=took())


def _refused(code: int, text: str | bytes, took: int) -> Outcome:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    # 4xx: try later (greylisting, full mailbox); 5xx: refused for good. The mail servers' words
    # are for operators, as every receiver's.
    return Outcome(
        error=f"smtp_{code // 100}xx", detail=f"SMTP {code}: {text}"[:1000], transient=code < 500, duration_ms=took
    )
