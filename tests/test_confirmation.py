""" "Is it fixed?" in plain Python: asked on finishing, answered once within the window, "not fixed"
reopens and counts; ratings by agency, averaged and ranked only past the minimum count.

Surin province (32), which no other test files complaints in: the statistics here are this module's.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access.models import IntakeKey
from complaints import commands, confirmation, intake, ratings, stats
from complaints.models import Complaint, Confirmation
from routing import loaders

pytestmark = pytest.mark.django_db

CHUM_SAENG = (103.5, 15.2)  # 320408, Chom Phra: SAO-320408
KRAPHO = (103.45, 15.25)  # 320302: SAO-320302
CHOM_PHRA = (103.55, 15.15)  # 320403: the district office DO-3204


@pytest.fixture(scope="module")
def directory(agencies, django_db_blocker):
    with django_db_blocker.unblock():
        return loaders.load_directory()


@pytest.fixture
def finished(national_matcher, directory):
    key, _ = IntakeKey.objects.issue("citizen-confirmation-test")

    def make(where, *, with_key=True):
        lon, lat = where
        filing = intake.Filing(
            lon=lon, lat=lat, categories=("street_light",), intake_key_id=key.id if with_key else None
        )
        complaint, _ = commands.file(filing, matcher=national_matcher, directory=directory)
        commands.transition(complaint.id, "start")
        commands.transition(complaint.id, "finish")
        return complaint

    make.key = key
    return make


def test_finishing_asks_the_filing_system_and_an_import_is_not_asked(finished):
    asked = finished(CHUM_SAENG)
    question = Confirmation.objects.get(complaint=asked)
    assert (question.agency.code, question.intake_key_id, question.answered_at) == ("SAO-320408", finished.key.id, None)
    assert question.expires_at - question.asked_at == timedelta(days=14)
    assert [h.event for h in asked.history.order_by("id")][-2:] == ["transition", "confirmation_asked"]
    not_asked = finished(CHUM_SAENG, with_key=False)
    assert not Confirmation.objects.filter(complaint=not_asked).exists()
    assert not not_asked.history.filter(event="confirmation_asked").exists()


def test_not_fixed_reopens_and_fixed_stays_finished(finished):
    now = timezone.now()
    c = finished(CHUM_SAENG)
    commands.confirm(c.id, finished.key.id, confirmation.Answer(False, 1, "ยังไม่ได้ซ่อม"), now=now)
    c.refresh_from_db()
    assert (c.status, c.reopen_count, c.resolved_at) == ("waiting", 1, None)
    reopen = c.history.order_by("id").last()
    assert (reopen.event, reopen.action, reopen.from_status, reopen.to_status) == (
        "transition",
        "reopen",
        "finished",
        "waiting",
    )
    d = finished(CHUM_SAENG)
    commands.confirm(d.id, finished.key.id, confirmation.Answer(True, 5), now=now)
    d.refresh_from_db()
    assert (d.status, d.reopen_count) == ("finished", 0)
    row = next(r for r in stats.summary("district", stats.Scope(area="3204")) if r["key"] == "3204")
    assert row["reopen_rate"] == pytest.approx(0.5)  # c of the two


def test_answers_outside_the_rules_are_refused(finished):
    c = finished(CHUM_SAENG)
    yes = confirmation.Answer(True, 4)
    late = timezone.now() + timedelta(days=14, seconds=1)
    with pytest.raises(confirmation.Expired):
        commands.confirm(c.id, finished.key.id, yes, now=late)
    other, _ = IntakeKey.objects.issue("citizen-someone-else")
    with pytest.raises(confirmation.NotYours):
        commands.confirm(c.id, other.id, yes, now=timezone.now())
    commands.confirm(c.id, finished.key.id, yes, now=timezone.now() + timedelta(days=13))
    with pytest.raises(confirmation.AlreadyAnswered):
        commands.confirm(c.id, finished.key.id, confirmation.Answer(False, 1), now=timezone.now())
    assert Confirmation.objects.get(complaint=c).rating == 4
    for body in ({"fixed": 1}, {"fixed": True, "rating": 0}, {"fixed": True, "rating": 2.5}, {"fixed": True, "x": 1}):
        with pytest.raises(confirmation.ConfirmationError):
            confirmation.parse(body)
    assert confirmation.parse({"fixed": False, "comment": " ไม่ "}) == confirmation.Answer(False, None, "ไม่")


def rate(finished, where, values):
    for value in values:
        c = finished(where)
        commands.confirm(c.id, finished.key.id, confirmation.Answer(value >= 3, value), now=timezone.now())


def test_ratings_are_ranked_only_with_the_minimum_count(finished, settings):
    settings.GEO_RATING_MIN_COUNT = 5
    rate(finished, CHUM_SAENG, [5, 4, 4, 4, 4])  # mean 4.2 from 5 ratings
    rate(finished, KRAPHO, [5])  # one happy reporter
    rate(finished, CHOM_PHRA, [3, 3, 3, 3, 2, 4])  # mean 3.0 from 6
    found = ratings.by_agency(stats.Scope(area="32"))
    assert found == {
        "SAO-320408": {"rating_count": 5, "rating_mean": 4.2, "rating_rank": 1, "not_fixed": 0},
        "SAO-320302": {"rating_count": 1, "rating_mean": None, "rating_rank": None, "not_fixed": 0},
        "DO-3204": {"rating_count": 6, "rating_mean": 3.0, "rating_rank": 2, "not_fixed": 1},
    }
    rows = Client().get("/api/v1/stats?group=agency&area=32").json()["rows"]
    assert {r["key"]: (r["rating_count"], r["rating_mean"], r["rating_rank"]) for r in rows} == {
        "SAO-320408": (5, 4.2, 1),
        "SAO-320302": (1, None, None),
        "DO-3204": (6, 3.0, 2),
    }
    csv = Client().get("/api/v1/stats?group=agency&area=32&format=csv").content.decode()
    assert "rating_mean" in csv.splitlines()[0]
    settings.GEO_RATING_MIN_COUNT = 1
    assert ratings.by_agency(stats.Scope(area="32"))["SAO-320302"]["rating_rank"] == 1  # 5.0 from 1
    assert Complaint.objects.filter(province_code="32").count() == 12


def test_a_merged_report_is_asked_and_its_not_fixed_reopens_the_problem(national_matcher, directory):
    from complaints import commands
    from complaints.actors import Actor

    key, _ = IntakeKey.objects.issue("citizen-confirmation-merged-test")
    lon, lat = KRAPHO

    def file():
        filing = intake.Filing(lon=lon, lat=lat, categories=("street_light",), intake_key_id=key.id)
        return commands.file(filing, matcher=national_matcher, directory=directory)[0]

    parent, report = file(), file()
    commands.merge(report.id, parent.id, actor=Actor("staff", "tester"))
    commands.transition(parent.id, "start")
    commands.transition(parent.id, "finish")
    # both reporters are asked, the merged report's through its own intake system
    assert sorted(
        Confirmation.objects.filter(complaint__in=[parent, report]).values_list("complaint_id", flat=True)
    ) == [
        parent.id,
        report.id,
    ]
    commands.confirm(report.id, key.id, confirmation.Answer(False, 2, "ยังดับอยู่"), now=timezone.now())
    parent.refresh_from_db()
    report.refresh_from_db()
    assert (parent.status, parent.reopen_count) == ("waiting", 1)  # the problem is reopened
    assert (report.status, report.parent_id) == ("waiting", parent.id)  # and the report follows it
