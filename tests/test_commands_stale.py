"""The optimistic check of every command: acting on a revision that is no longer the complaint's
is refused (Stale) with nothing written; two officers acting at once on what they both read, one
wins and the other is told it changed meanwhile."""

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from access.models import IntakeKey
from complaints import commands, intake
from complaints.actors import Actor
from complaints.confirmation import Answer
from complaints.models import Complaint, Confirmation, HistoryEntry
from delivery.models import Delivery
from routing import loaders

BAN_DAN = (100.2785, 17.6538)  # Ban Dan (530111), Mueang Uttaradit: SAO-530111
SAO = Actor("staff", "somchai", "SAO-530111")


@pytest.fixture(scope="module")
def rules(agencies, django_db_blocker):
    with django_db_blocker.unblock():
        return loaders.load_directory()


def make(national_matcher, rules, key=None):
    filing = intake.Filing(lon=BAN_DAN[0], lat=BAN_DAN[1], categories=("street_light",), intake_key_id=key)
    return commands.file(filing, matcher=national_matcher, directory=rules)[0]


def written(complaint_id: int) -> tuple:
    """What a refused command must not have changed."""
    row = Complaint.objects.get(id=complaint_id)
    return (
        row.revision,
        row.status,
        row.updated,
        HistoryEntry.with_internal.filter(complaint_id=complaint_id).count(),
        Delivery.objects.filter(complaint_id=complaint_id).count(),
        Confirmation.objects.filter(complaint_id=complaint_id).count(),
    )


@pytest.mark.django_db
def test_every_command_refuses_a_stale_revision_and_writes_nothing(national_matcher, rules):
    key, _ = IntakeKey.objects.issue("stale-test")
    complaint, parent = make(national_matcher, rules, key.id), make(national_matcher, rules, key.id)
    commands.start(complaint.id, actor=SAO)  # revision 1: the callers below read revision 0
    commands.start(parent.id, actor=SAO)
    attached = []
    attempts = {
        "transition": lambda: commands.transition(complaint.id, "finish", actor=SAO, expected=0),
        "start": lambda: commands.start(complaint.id, actor=SAO, expected=0),
        "finish": lambda: commands.finish(complaint.id, actor=SAO, expected=0, attach=lambda *a: attached.append(a)),
        "forward": lambda: commands.forward(complaint.id, actor=SAO, to_agency="DO-5301", reason="x", expected=0),
        "reopen": lambda: commands.reopen(complaint.id, actor=SAO, expected=0),
        "reply": lambda: commands.reply(complaint.id, actor=SAO, text="ตอบ", expected=0),
        "note": lambda: commands.note(complaint.id, actor=SAO, text="ภายใน", expected=0),
        "not_ours": lambda: commands.not_ours(
            complaint.id, actor=SAO, reason="ไม่ใช่", expected=0, matcher=national_matcher, directory=rules
        ),
        "correct": lambda: commands.correct(
            complaint.id, matcher=national_matcher, directory=rules, categories=["road"], actor=SAO, expected=0
        ),
        "merge": lambda: commands.merge(complaint.id, parent.id, actor=SAO, expected=0),
        "hide": lambda: commands.hide(complaint.id, target="description", actor=SAO, reason="ส่วนตัว", expected=0),
    }
    before = written(complaint.id)
    for name, attempt in attempts.items():
        with pytest.raises(commands.Stale) as stale:
            attempt()
        assert (stale.value.expected, stale.value.found, stale.value.current.id) == (0, 1, complaint.id), name
        assert written(complaint.id) == before, name
    assert attached == []
    assert written(parent.id)[0] == 1  # the merge's parent untouched too

    commands.merge(complaint.id, parent.id, actor=SAO, expected=1)  # revision 2
    with pytest.raises(commands.Stale):
        commands.unmerge(complaint.id, actor=SAO, expected=1)
    commands.finish(parent.id, actor=SAO)  # the report follows: revision 3, and is asked
    before = written(complaint.id)
    assert before[:2] == (3, "finished")
    with pytest.raises(commands.Stale):
        commands.confirm(complaint.id, key.id, Answer(False), now=timezone.now(), expected=2)
    assert written(complaint.id) == before


def test_two_officers_acting_on_the_same_revision_one_wins(national_matcher, rules, django_db_blocker):
    """Committed for real (no test transaction) so the two threads' transactions meet on the row lock."""
    with django_db_blocker.unblock():
        complaint = make(national_matcher, rules)
        history_before = HistoryEntry.with_internal.filter(complaint_id=complaint.id).count()
    ready = threading.Barrier(2)
    results, errors = {}, []

    def officer(name: str, act):
        try:
            ready.wait(timeout=30)
            # The first to lock holds the row a moment, so the other surely waits on the lock
            # (having read revision 0 like its rival) rather than coming after the commit.
            results[name] = act(lambda *_: time.sleep(0.3))
        except commands.Stale as exc:
            results[name] = exc
        except Exception as exc:  # reported by the test, not lost in a thread
            errors.append(repr(exc))
        finally:
            connection.close()

    acts = {
        "starter": lambda hold: commands.transition(complaint.id, "start", actor=SAO, expected=0, attach=hold),
        "forwarder": lambda hold: commands.transition(
            complaint.id, "forward", actor=SAO, note="ของอำเภอ", forward_to="DO-5301", expected=0, attach=hold
        ),
    }
    with django_db_blocker.unblock():
        threads = [threading.Thread(target=officer, args=item) for item in acts.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        after = Complaint.objects.get(id=complaint.id)
        history_after = HistoryEntry.with_internal.filter(complaint_id=complaint.id).count()
    assert errors == []
    won = [name for name, r in results.items() if isinstance(r, commands.Done)]
    lost = [r for r in results.values() if isinstance(r, commands.Stale)]
    assert len(won) == 1 and len(lost) == 1
    assert (lost[0].expected, lost[0].found) == (0, 1)
    assert after.revision == 1 and history_after == history_before + 1
    assert after.status == ("in_progress" if won == ["starter"] else "forwarded")
    assert lost[0].current.status == after.status  # the loser is shown the winner's state
