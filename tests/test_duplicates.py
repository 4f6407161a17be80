"""Duplicate candidates and merging, in plain Python against the real database and engine.

Complaints here are filed in Mueang Nan (district 5501), where no other test files any, so the
candidates and the figures are this module's alone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints import commands, duplicates, intake, merging, stats
from complaints.actors import Actor
from complaints.duplicates import Window, hash_distance, score, text_similarity, window
from complaints.models import Complaint
from routing import loaders

NAN = (100.7766, 18.7838)
# Metres per degree of latitude here (WGS84, 18.8° N): 110,700 m, so 20 m north is this many degrees.
DEG_PER_M = 1 / 110_700.0
STAFF = Actor("staff", "somsri", "test")


def north(metres):
    return NAN[0], NAN[1] + metres * DEG_PER_M


# ---- scoring, with values worked out by hand --------------------------------------------------


def test_score_terms_by_hand():
    light = Window(50, 7)
    assert score(0, timedelta(0), light) == 1.0
    # distance 25/50 -> 0.5, age 3.5/7 days -> 0.5: (0.4*0.5 + 0.2*0.5) / 0.6
    assert score(25, timedelta(days=3.5), light) == 0.5
    # with identical text: (0.2 + 0.1 + 0.25) / 0.85
    assert score(25, timedelta(days=3.5), light, text=1.0) == 0.647
    # with the same photo hash too: (0.2 + 0.1 + 0.25 + 0.15) / 1.0
    assert score(25, timedelta(days=3.5), light, text=1.0, photo_distance=0) == 0.7
    # unrelated photos (32 of 64 bits differ) add a zero term: 0.55 / 1.0
    assert score(25, timedelta(days=3.5), light, text=1.0, photo_distance=32) == 0.55
    # 8 bits apart -> photo term 0.75: (0.2 + 0.1 + 0.25 + 0.1125) / 1.0 = 0.6625 -> 0.662 (or .663)
    assert score(25, timedelta(days=3.5), light, text=1.0, photo_distance=8) in (0.662, 0.663)
    # at the edge of radius and window nothing is left of those terms
    assert score(50, timedelta(days=7), light) == 0.0
    assert score(80, timedelta(days=9), light) == 0.0


def test_photo_hash_distance_with_explicit_hashes():
    assert hash_distance(0x0000000000000000, 0x0000000000000000) == 0
    assert hash_distance(0xFFFFFFFFFFFFFFFF, 0x0000000000000000) == 64
    assert hash_distance(0xF0F0F0F0F0F0F0F0, 0xF0F0F0F0F0F0F0F1) == 1
    assert hash_distance(0b1011, 0b0001) == 2
    same, near, other = 0x8F3C_1A2B_0000_FFFF, 0x8F3C_1A2B_0000_FFF0, 0x70C3_E5D4_FFFF_0000
    light = Window(50, 7)
    assert hash_distance(same, near) == 4 and hash_distance(same, other) == 64
    with_near = score(10, timedelta(days=1), light, photo_distance=hash_distance(same, near))
    with_other = score(10, timedelta(days=1), light, photo_distance=hash_distance(same, other))
    without = score(10, timedelta(days=1), light)
    assert with_other < without < with_near


def test_thai_text_similarity_needs_no_segmenter():
    assert text_similarity("ไฟถนนดับทั้งซอย", "ไฟถนนดับทั้งซอย") == 1.0
    assert text_similarity("ไฟดับ", "") is None and text_similarity("", "ไฟดับ") is None
    same_problem = text_similarity("ไฟถนนดับทั้งซอย", "ไฟดับทั้งซอยค่ะ")
    other_problem = text_similarity("ไฟถนนดับทั้งซอย", "ขยะล้นถังหน้าตลาด")
    assert same_problem > 0.7 and other_problem < 0.3


def test_windows_per_category_and_overrides(settings):
    assert window("street_light") == Window(50, 7)
    assert window("cleanliness") == Window(50, 3)
    assert window("road") == Window(30, 30)
    assert window("flooding") == Window(500, 2)
    assert window("inquiry") == Window(30, 3)
    settings.GEO_DUPLICATE_WINDOWS = {"street_light": [80, 10], "flooding": [99999, 999]}
    assert window("street_light") == Window(80, 10)
    assert window("flooding") == Window(2000, 90)  # bounded


# ---- finding candidates in the database --------------------------------------------------------


@pytest.fixture
def env(national_matcher, agencies, db):
    return national_matcher, loaders.load_directory()


def filed(env, where, category="street_light", *, days_ago=0.0, text="", status=None):
    matcher, directory = env
    created = timezone.now() - timedelta(days=days_ago)
    filing = intake.Filing(lon=where[0], lat=where[1], categories=(category,), description=text, created=created)
    complaint, _ = commands.file(filing, matcher=matcher, directory=directory, deliver=False)
    if status:
        Complaint.objects.filter(id=complaint.id).update(status=status)
        complaint.refresh_from_db()
    return complaint


@pytest.mark.django_db
def test_a_twin_20_m_away_is_the_one_candidate(env):
    twin = filed(env, north(20), days_ago=1, text="ไฟถนนดับทั้งซอย")
    far = filed(env, north(200), days_ago=1)
    other_category = filed(env, north(20), "road", days_ago=1)
    closed = filed(env, north(20), days_ago=1, status="finished")
    old = filed(env, north(20), days_ago=9)  # street light window: 7 days (and 8 before the twin)
    assert {twin.id, far.id, other_category.id, closed.id, old.id} <= set(
        Complaint.objects.filter(district_code="5501").values_list("id", flat=True)
    )
    found = duplicates.find(*NAN, "street_light", at=timezone.now(), description="ไฟดับทั้งซอย")
    assert [c.id for c in found] == [twin.id]
    assert 19.0 < found[0].distance_m < 21.0
    assert timedelta(hours=23) < found[0].age < timedelta(hours=25)
    assert 0.5 < found[0].score <= 1.0
    # A new report of the same light sees it too, and never itself.
    report = filed(env, NAN, text="ไฟดับ")
    assert [c.id for c in duplicates.for_complaint(report)] == [twin.id]
    assert [c.id for c in duplicates.for_complaint(twin)] == []  # the others are newer than the twin


@pytest.mark.django_db
def test_the_photo_hash_term_reorders_candidates(env):
    # Two lamps equally near and old; the report's photo matches the farther one's (2 bits apart).
    near, far = filed(env, north(10), days_ago=1), filed(env, north(12), days_ago=1)
    report_hash = 0x8F3C_1A2B_0000_FFFF
    stored = {near.id: 0x70C3_E5D4_FFFF_0000, far.id: [0x0000_0000_0000_0000, 0x8F3C_1A2B_0000_FFFC]}
    asked = []

    def hashes_of(ids):
        asked.append(sorted(ids))
        return {cid: stored[cid] for cid in ids if cid in stored}

    plain = duplicates.find(*NAN, "street_light", at=timezone.now())
    assert [c.id for c in plain] == [near.id, far.id]
    with_photos = duplicates.find(
        *NAN, "street_light", at=timezone.now(), photo_hash=report_hash, photo_hashes_of=hashes_of
    )
    assert asked == [sorted([near.id, far.id])]
    assert [c.id for c in with_photos] == [far.id, near.id]
    by_id = {c.id: c.score for c in with_photos}
    # far: distance 1 - 12/50 = 0.76, age 1 - 1/7 = 0.857, photo 1 - 2/32 = 0.9375 over weights 0.75
    assert by_id[far.id] == pytest.approx((0.4 * 0.76 + 0.2 * (6 / 7) + 0.15 * 0.9375) / 0.75, abs=0.002)
    # near: photo 64 bits apart -> 0
    assert by_id[near.id] == pytest.approx((0.4 * 0.8 + 0.2 * (6 / 7)) / 0.75, abs=0.002)


@pytest.mark.django_db
def test_flooding_reaches_further_and_candidates_are_bounded(env, settings):
    flood = filed(env, north(400), "flooding", days_ago=0.5)
    assert [c.id for c in duplicates.find(*NAN, "flooding", at=timezone.now())] == [flood.id]
    lights = [filed(env, north(5 + k), days_ago=0.1) for k in range(4)]
    settings.GEO_DUPLICATE_LIMIT = 3
    found = duplicates.find(*NAN, "street_light", at=timezone.now())
    assert len(found) == 3 and {c.id for c in found} < {c.id for c in lights}
    visible = duplicates.Visibility(intake_key_id=-1)
    assert duplicates.find(*NAN, "street_light", at=timezone.now(), visibility=visible) == []


# 20,000 complaints spread over Thailand's box and over a year, three in four closed: enough rows
# for the planner to weigh the indexes as it would at scale (rolled back with the test).
SPREAD = """
INSERT INTO complaints_complaint (
    source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, decision, province_code, district_code,
    subdistrict_code, local_government_code, created, updated)
SELECT 'spread', '', '', ST_SetSRID(ST_MakePoint(97.5 + random() * 8, 6 + random() * 14), 4326),
       jsonb_build_array((ARRAY['street_light', 'road', 'cleanliness', 'flooding'])[1 + g % 4]), '', '', '', '',
       CASE WHEN random() < 0.25 THEN 'waiting' ELSE 'finished' END, 0, '{}'::jsonb, '', '', '', '',
       now() - random() * interval '365 days', now()
FROM generate_series(1, 20000) AS g
"""


@pytest.mark.django_db
def test_the_query_uses_the_open_geography_index(env):
    with connection.cursor() as cursor:
        cursor.execute(SPREAD)
        cursor.execute("ANALYZE complaints_complaint")
        sql = duplicates.FIND_SQL.format(visible="")
        args = [*NAN, 50.0, "street_light", timezone.now() - timedelta(days=7), timezone.now(), [], 50]
        cursor.execute("EXPLAIN " + sql, args)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_open_geography" in plan, plan
    assert "Seq Scan" not in plan, plan


# ---- merging --------------------------------------------------------------------------------


def events(complaint):
    return [(h.event, h.action, h.from_status, h.to_status) for h in complaint.history.order_by("id")]


@pytest.mark.django_db
def test_children_follow_the_parent_and_every_history_is_kept(env):
    parent = filed(env, NAN, text="ไฟดับ")
    one, two = filed(env, north(10)), filed(env, north(20))
    commands.merge(one.id, parent.id, actor=STAFF)
    commands.merge(two.id, parent.id, actor=STAFF, note="same pole")
    assert commands.merge(two.id, parent.id, actor=STAFF).complaint.parent_id == parent.id  # repeating is harmless
    with pytest.raises(merging.MergeError) as refused:
        commands.transition(one.id, "start", actor=STAFF)
    assert (refused.value.status, refused.value.code) == (409, "merged")

    for action in ("start", "finish", "reopen"):
        commands.transition(parent.id, action, actor=STAFF, note=f"{action} note")
    for child in (one, two):
        child.refresh_from_db()
        assert (child.status, child.reopen_count, child.parent_id) == ("waiting", 1, parent.id)
        assert events(child) == [
            ("created", "", "", "waiting"),
            ("merged", "merge", "waiting", "waiting"),
            ("transition", "start", "waiting", "in_progress"),
            ("transition", "finish", "in_progress", "finished"),
            ("transition", "reopen", "finished", "waiting"),
        ]
        assert child.history.filter(event="transition").first().data == {"parent": parent.id, "followed": True}
    assert events(parent) == [
        ("created", "", "", "waiting"),
        ("merged_in", "merge", "waiting", "waiting"),
        ("merged_in", "merge", "waiting", "waiting"),
        ("transition", "start", "waiting", "in_progress"),
        ("transition", "finish", "in_progress", "finished"),
        ("transition", "reopen", "finished", "waiting"),
    ]
    assert merging.reports(parent.id) == [one.id, two.id]
    # Merged reports are not candidates: their parent is.
    assert [c.id for c in duplicates.find(*north(15), "street_light", at=timezone.now())] == [parent.id]

    commands.unmerge(one.id, actor=STAFF)
    one.refresh_from_db()
    assert one.parent_id is None and one.status == "waiting" and one.due_at is not None
    assert events(one)[-1] == ("unmerged", "unmerge", "waiting", "waiting")
    commands.transition(parent.id, "start", actor=STAFF)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == ("waiting", "in_progress")
    assert len(events(one)) == 6 and len(events(two)) == 6


@pytest.mark.django_db
def test_merges_that_are_refused(env):
    parent, child = filed(env, NAN), filed(env, north(10))
    road = filed(env, north(10), "road")
    finished = filed(env, north(30), status="finished")
    cases = [
        (lambda: commands.merge(child.id, child.id), 400, "self_merge"),
        (lambda: commands.merge(child.id, finished.id), 409, "parent_closed"),
        (lambda: commands.merge(finished.id, parent.id), 409, "child_closed"),
        (lambda: commands.merge(road.id, parent.id), 409, "category_mismatch"),
        (lambda: commands.merge(child.id, 2**62), 400, "invalid"),
    ]
    for attempt, status, code in cases:
        with pytest.raises(merging.MergeError) as refused:
            attempt()
        assert (refused.value.status, refused.value.code) == (status, code)
    commands.merge(child.id, parent.id)
    with pytest.raises(merging.MergeError) as cycle:
        commands.merge(parent.id, child.id)
    assert (cycle.value.status, cycle.value.code) == (409, "merge_cycle")
    other = filed(env, north(40))
    with pytest.raises(merging.MergeError) as chained:
        commands.merge(other.id, child.id)
    assert (chained.value.code, chained.value.details) == ("parent_is_merged", {"parent": parent.id})
    with pytest.raises(merging.MergeError) as has_reports:
        commands.merge(parent.id, other.id)
    assert has_reports.value.code == "has_reports"
    assert commands.merge(road.id, parent.id, force=True).complaint.parent_id == parent.id
    with pytest.raises(merging.MergeError) as not_merged:
        commands.unmerge(other.id)
    assert (not_merged.value.status, not_merged.value.code) == (409, "not_merged")


@pytest.mark.django_db
def test_merging_across_intake_systems_is_refused_when_reads_are_private(env, settings):
    from access.models import IntakeKey

    (a, _), (b, _) = IntakeKey.objects.issue("dupes-a"), IntakeKey.objects.issue("dupes-b")
    parent, child = filed(env, NAN), filed(env, north(10))
    Complaint.objects.filter(id=parent.id).update(intake_key=a)
    Complaint.objects.filter(id=child.id).update(intake_key=b)
    settings.GEO_PUBLIC_READ = False
    with pytest.raises(merging.MergeError) as refused:
        commands.merge(child.id, parent.id)
    assert (refused.value.status, refused.value.code) == (403, "cross_intake")
    settings.GEO_PUBLIC_READ = True
    assert commands.merge(child.id, parent.id).complaint.parent_id == parent.id


@pytest.mark.django_db
def test_statistics_count_one_problem_with_its_reports(env):
    parent = filed(env, NAN)
    children = [filed(env, north(10 + k)) for k in range(3)]
    filed(env, north(300), "road")  # a problem of its own
    for child in children:
        commands.merge(child.id, parent.id)
    commands.transition(parent.id, "start", actor=STAFF)
    commands.transition(parent.id, "finish", actor=STAFF)
    rows = {r["key"]: r for r in stats.summary("district", stats.Scope(area="5501"))}
    row = rows["5501"]
    assert (row["complaints"], row["problems"], row["followers"]) == (5, 2, 3)
    assert (row["open"], row["finished"]) == (1, 1)
    by_category = {r["key"]: r for r in stats.summary("category", stats.Scope(area="5501"))}
    assert (by_category["street_light"]["complaints"], by_category["street_light"]["problems"]) == (4, 1)
