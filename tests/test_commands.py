"""The write path's commands in plain Python (complaints/commands.py): each one's happy path, its
revision, the events that follow it, and "not ours" routing again without the agencies that
returned the complaint. Uttaradit province (53); internal notes: tests/test_commands_private.py."""

import pytest
from django.utils import timezone

from access.models import IntakeKey
from complaints import commands, events, intake, lifecycle
from complaints.actors import Actor
from complaints.confirmation import Answer
from complaints.models import Complaint, Confirmation, HistoryEntry
from delivery.models import Delivery
from routing import loaders

pytestmark = pytest.mark.django_db

BAN_DAN = (100.2785, 17.6538)  # Ban Dan (530111), Mueang Uttaradit: SAO-530111, then DO-5301, then PH-53
SAO = Actor("staff", "somchai", "SAO-530111")
OPERATOR = Actor("operator", "admin")


@pytest.fixture(scope="module")
def rules(agencies, django_db_blocker):
    with django_db_blocker.unblock():
        return loaders.load_directory()


@pytest.fixture
def filed(national_matcher, rules):
    key, _ = IntakeKey.objects.issue("commands-test")

    def make(category="street_light", where=BAN_DAN, **extra):
        filing = intake.Filing(lon=where[0], lat=where[1], categories=(category,), intake_key_id=key.id, **extra)
        return commands.file(filing, matcher=national_matcher, directory=rules)[0]

    make.key = key
    return make


def test_file_starts_at_revision_0_and_schedules_the_delivery(filed):
    complaint = filed(description="ไฟดับหน้าบ้าน")
    assert (complaint.revision, complaint.agency.code, complaint.status) == (0, "SAO-530111", "waiting")
    assert [h.event for h in complaint.history.all()] == ["created"]
    assert list(Delivery.objects.filter(complaint=complaint).values_list("agency__code", "kind")) == [
        ("SAO-530111", "new")
    ]


def test_start_finish_and_reopen_raise_the_revision_and_ask_on_finishing(filed):
    complaint = filed()
    started = commands.start(complaint.id, actor=SAO, note="รับเรื่อง", expected=0)
    assert isinstance(started, commands.Done)
    assert (started.complaint.status, started.complaint.revision, started.entry.action) == ("in_progress", 1, "start")
    finished = commands.finish(complaint.id, actor=SAO, note="เปลี่ยนหลอดแล้ว", expected=1)
    assert (finished.complaint.status, finished.complaint.revision, finished.entry.note) == (
        "finished",
        2,
        "เปลี่ยนหลอดแล้ว",
    )
    assert Confirmation.objects.filter(complaint=complaint).count() == 1  # the Moved handler asked
    reopened = commands.reopen(complaint.id, actor=OPERATOR, note="ยังดับ", expected=2)
    assert (reopened.complaint.status, reopened.complaint.reopen_count, reopened.complaint.revision) == (
        "waiting",
        1,
        3,
    )
    assert Complaint.objects.get(id=complaint.id).revision == 3


def test_forward_hands_over_to_the_new_agency(filed):
    complaint = filed()
    done = commands.forward(complaint.id, actor=SAO, to_agency="DO-5301", reason="ไฟทางหลวง")
    assert (done.complaint.agency.code, done.complaint.status, done.entry.data) == (
        "DO-5301",
        "forwarded",
        {"from_agency": "SAO-530111", "to_agency": "DO-5301"},
    )
    sent = list(Delivery.objects.filter(complaint=complaint).order_by("id").values_list("agency__code", "kind"))
    assert sent == [("SAO-530111", "new"), ("DO-5301", "new")]  # the first had not gone out: withdrawn, no notice
    with pytest.raises(intake.ComplaintError):
        commands.forward(complaint.id, actor=SAO, to_agency="NO-SUCH", reason="x")


def test_a_refused_step_keeps_its_type_and_writes_nothing(filed):
    complaint = filed()
    with pytest.raises(lifecycle.IllegalTransition):
        commands.finish(complaint.id, actor=SAO)
    assert HistoryEntry.with_internal.filter(complaint=complaint).count() == 1
    assert Complaint.objects.get(id=complaint.id).revision == 0


def test_attach_runs_in_the_transaction_and_a_failure_there_undoes_the_change(filed):
    complaint = filed()
    seen = []
    commands.transition(complaint.id, "start", actor=SAO, attach=lambda c, entry: seen.append((c.id, entry.action)))
    assert seen == [(complaint.id, "start")]

    def broken(c, entry):
        raise RuntimeError("the photo could not be stored")

    with pytest.raises(RuntimeError):
        commands.finish(complaint.id, actor=SAO, attach=broken)
    after = Complaint.objects.get(id=complaint.id)
    assert (after.status, after.revision) == ("in_progress", 1)
    assert not Confirmation.objects.filter(complaint=complaint).exists()


def test_reply_is_a_public_change(filed):
    complaint = filed()
    before = Complaint.objects.get(id=complaint.id).updated
    done = commands.reply(complaint.id, actor=SAO, text="จะเข้าไปดูพรุ่งนี้", expected=0)
    assert (done.entry.event, done.entry.note, done.complaint.revision) == ("reply", "จะเข้าไปดูพรุ่งนี้", 1)
    assert Complaint.objects.get(id=complaint.id).updated > before  # an Open311 reader by update time sees it
    with pytest.raises(commands.CommandError) as empty:
        commands.reply(complaint.id, actor=SAO, text="  ")
    assert empty.value.field == "text"


def test_correct_routes_again_with_a_revision(filed, national_matcher, rules):
    complaint = filed()
    done = commands.correct(
        complaint.id, matcher=national_matcher, directory=rules, categories=["road"], actor=SAO, expected=0
    )
    assert (done.entry.event, done.complaint.categories, done.complaint.revision) == ("rerouted", ["road"], 1)


def test_not_ours_routes_again_without_each_agency_that_returned_it_then_waits(filed, rules, national_matcher):
    complaint = filed()
    commands.start(complaint.id, actor=SAO)
    first = commands.not_ours(
        complaint.id, actor=SAO, reason="เสาไฟของกรมทางหลวง โทร 081-234-5678", matcher=national_matcher, directory=rules
    )
    assert (first.complaint.agency.code, first.complaint.status) == ("DO-5301", "waiting")
    assert first.entry.event == "returned" and first.entry.from_status == "in_progress"
    data = dict(first.entry.data)
    reason, rule = data.pop("reason"), data.pop("rule")
    assert data == {"agency": "SAO-530111", "subdistrict_code": "530111", "to_agency": "DO-5301"}
    assert first.entry.note == "เสาไฟของกรมทางหลวง โทร 081-234-5678"  # verbatim for the staff; masked when published
    assert "081-234-5678" not in reason and reason.startswith("เสาไฟของกรมทางหลวง โทร ")
    assert isinstance(rule, int)  # the default rule's id: local government, district office, province hall
    handed = list(Delivery.objects.filter(complaint=complaint).order_by("id").values_list("agency__code", "kind"))
    assert handed[-1] == ("DO-5301", "new")
    with pytest.raises(commands.CommandError) as not_theirs:
        commands.not_ours(complaint.id, actor=SAO, reason="again", matcher=national_matcher, directory=rules)
    assert (not_theirs.value.status, not_theirs.value.code) == (403, "other_agency")  # no longer SAO's
    district = Actor("staff", "somsak", "DO-5301")
    second = commands.not_ours(complaint.id, actor=district, reason="ของจังหวัด", expected=first.complaint.revision)
    assert second.complaint.agency.code == "PH-53"
    last = commands.not_ours(complaint.id, actor=Actor("staff", "x", "PH-53"), reason="ไม่ใช่ของเรา")
    waiting = Complaint.objects.get(id=complaint.id)
    assert (waiting.agency_id, waiting.status, waiting.decision["confidence"]) == (None, "waiting", "none")
    assert "waits for an operator" in waiting.decision["reason"]["en"]
    assert "DO-5301, PH-53, SAO-530111" in waiting.decision["reason"]["en"]
    assert last.entry.data["to_agency"] is None
    with pytest.raises(commands.CommandError) as nobody:
        commands.not_ours(complaint.id, actor=OPERATOR, reason="?")
    assert nobody.value.code == "no_agency"


def test_not_ours_needs_a_reason_and_an_open_complaint(filed):
    complaint = filed()
    with pytest.raises(commands.CommandError) as empty:
        commands.not_ours(complaint.id, actor=SAO, reason="")
    assert empty.value.field == "reason"
    commands.start(complaint.id, actor=SAO)
    commands.finish(complaint.id, actor=SAO)
    with pytest.raises(lifecycle.IllegalTransition):
        commands.not_ours(complaint.id, actor=SAO, reason="ไม่ใช่ของเรา")


def test_merge_and_unmerge_raise_the_reports_revision_and_followers_move(filed):
    parent, child = filed(), filed()
    merged = commands.merge(child.id, parent.id, actor=SAO, expected=0)
    assert (merged.complaint.parent_id, merged.complaint.revision, merged.entry.event) == (parent.id, 1, "merged")
    assert commands.merge(child.id, parent.id, actor=SAO).entry is None  # repeating changes nothing
    started = commands.start(parent.id, actor=SAO)
    assert started.followers == (child.id,)
    assert Complaint.objects.get(id=child.id).revision == 2  # followed the parent
    unmerged = commands.unmerge(child.id, actor=SAO, expected=2)
    assert (unmerged.complaint.parent_id, unmerged.complaint.revision) == (None, 3)


def test_staff_cannot_merge_into_another_agencys_complaint(filed, national_matcher, rules):
    mine, theirs = filed(), filed()
    commands.forward(theirs.id, actor=SAO, to_agency="DO-5301", reason="ไม่ใช่พื้นที่")
    with pytest.raises(commands.CommandError) as refused:
        commands.merge(mine.id, theirs.id, actor=SAO)
    assert (refused.value.field, refused.value.status, refused.value.code) == ("agency", 403, "other_agency")
    assert Complaint.objects.get(id=mine.id).parent_id is None
    assert commands.merge(mine.id, theirs.id, actor=OPERATOR).complaint.parent_id == theirs.id


def test_hide_and_confirm_are_commands_too(filed):
    complaint = filed(description="เบอร์ผม 0812345678")
    hidden = commands.hide(complaint.id, target="description", actor=SAO, reason="ข้อมูลส่วนตัว", expected=0)
    assert (hidden.complaint.description_hidden, hidden.complaint.revision, hidden.entry.event) == (
        True,
        1,
        "moderated",
    )
    commands.start(complaint.id, actor=SAO)
    commands.finish(complaint.id, actor=SAO)
    done = commands.confirm(complaint.id, complaint.intake_key_id, Answer(False, 2), now=timezone.now(), expected=3)
    assert (done.entry.event, done.complaint.status, done.complaint.revision) == ("confirmation_given", "waiting", 5)


def test_the_apps_register_their_handlers():
    from delivery import handlers as delivery_handlers
    from subscriptions.signals import nudge_subscribers

    assert delivery_handlers.filed in events.handlers(events.Filed)
    assert delivery_handlers.handed_over in events.handlers(events.HandedOver)
    assert delivery_handlers.alerted in events.handlers(events.Alerted)
    assert nudge_subscribers in events.handlers(events.Recorded)
    assert [h.__qualname__ for h in events.handlers(events.Moved)] == ["on_moved"]
