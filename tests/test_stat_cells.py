"""The statistics' aggregates (complaints/stat_cells.py) against a full recount: while complaints are
filed, worked, merged, reopened, moved and erased by several threads at once and the deltas are
folded meanwhile, every statistic read from the cells equals the recount read in the same snapshot;
`rebuild_stats` gives the same again."""

import io
import math
import random
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from complaints import commands, intake, stat_cells, stat_reads, stat_sketch, stat_windows, stats
from complaints.lifecycle import IllegalTransition
from complaints.merging import MergeError
from complaints.models import Complaint
from routing import loaders

# Places in two provinces (Uttaradit and Phrae) and the categories filed there.
PLACES = [(100.10, 17.62), (100.05, 17.70), (100.20, 17.55), (100.14, 18.14), (100.30, 18.00)]
CATEGORIES = [("road",), ("street_light",), ("road", "sidewalk"), ("cleanliness", "road"), ("flooding",)]
COUNTED = ("complaints", "problems", "followers", "open", "finished", "backlog", "overdue", "escalated", "reopen_rate")
TIMES = ("response_h_median", "response_h_p90", "resolution_h_median", "resolution_h_p90")


def test_buckets_cover_each_day_once():
    # 9800 = 8 * 1225: three 8-day buckets, then six days
    eight_days = [(1, 1225), (1, 1226), (1, 1227)]
    assert stat_windows.buckets(9800, 9830) == [*eight_days, *((0, day) for day in range(9824, 9830))]
    zone = ZoneInfo("Asia/Bangkok")
    start = datetime(2024, 1, 1, tzinfo=zone)
    rng = random.Random(5)
    for _ in range(400):
        since = None if rng.random() < 0.15 else start + timedelta(hours=rng.randrange(0, 24 * 900))
        until = None if rng.random() < 0.4 else (since or start) + timedelta(hours=rng.randrange(0, 24 * 400))
        horizon = rng.choice([0, (stat_windows.day_number(start, zone) // 64 + rng.randrange(0, 20)) * 64])
        window = stat_windows.window(since, until, zone, horizon)
        days: set[int] = set()
        for level, bucket in window.buckets:
            size = stat_windows.BASE**level
            assert level >= 2 or bucket * size >= horizon  # no day or 8-day bucket before the horizon
            assert not days & set(range(bucket * size, (bucket + 1) * size))
            days |= set(range(bucket * size, (bucket + 1) * size))
        moment = (since or start - timedelta(days=30)) - timedelta(hours=30)
        while moment < (until or start + timedelta(days=1400)) + timedelta(hours=30):
            inside = (since is None or moment >= since) and (until is None or moment < until)
            edges = sum(1 for a, b in window.edges if a <= moment < b)
            assert (stat_windows.day_number(moment, zone) in days) + edges == int(inside), (since, until, moment)
            moment += timedelta(hours=rng.choice([1, 5, 13]))


def test_percentiles_stay_in_the_exact_ones_bucket():
    rng = random.Random(3)
    for n in (1, 2, 5, 40, 2000):
        hours = sorted(rng.lognormvariate(3, 1.6) for _ in range(n))
        counts: dict[int, int] = {}
        for h in hours:
            b = min(stat_sketch.BUCKETS - 1, 1 + math.floor(math.log(h / stat_sketch.MINUTE) / math.log(1.12)))
            counts[b] = counts.get(b, 0) + 1
        for p in (0.5, 0.9):
            rank = p * (n - 1)
            exact = hours[math.floor(rank)] + (hours[math.ceil(rank)] - hours[math.floor(rank)]) * (rank % 1)
            estimate = stat_sketch.percentile(counts, p)
            assert abs(estimate - exact) <= 0.12 * exact
            dense = [counts.get(b, 0) for b in range(stat_sketch.BUCKETS)]
            assert stat_sketch.percentiles([dense], p)[0] == pytest.approx(estimate)


def scopes(now):
    return [
        stats.Scope(),
        stats.Scope(since=now - timedelta(days=3, hours=5)),  # not at midnight: the ends are counted
        stats.Scope(since=now - timedelta(days=40), until=now - timedelta(days=1, hours=7)),
        stats.Scope(since=now - timedelta(days=150, hours=3)),  # days before the horizon: counted
        stats.Scope(category="road"),
        stats.Scope(area="53"),
        stats.Scope(area="5301", since=now - timedelta(days=9)),
        stats.Scope(agency="UTT-5301-RD"),  # an agency that may not exist: nothing, in both
    ]


def compare(now) -> int:
    """Every group over every scope, from the cells and from a recount, in one snapshot."""
    checked = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for scope in scopes(now):
            for group in ("province", "district", "status", "category", "agency"):
                if stat_reads.plan(group, scope) is None:
                    continue
                cells = {r["key"]: r for r in stats.summary(group, scope, source="cells")}
                recount = {r["key"]: r for r in stats.summary(group, scope, source="scan")}
                assert set(cells) == set(recount), (group, scope)
                for key, row in recount.items():
                    assert {f: cells[key][f] for f in COUNTED} == {f: row[f] for f in COUNTED}, (group, scope, key)
                    for f in TIMES:
                        if row[f] is None or row[f] < 0.05:
                            assert (cells[key][f] is None) == (row[f] is None)
                        else:
                            assert abs(cells[key][f] - row[f]) <= 0.12 * row[f] + 0.01, (group, scope, key, f)
                checked += 1
                if group in ("district", "agency", "status"):
                    top = stats.top_categories(group, 2, scope, source="cells")
                    assert top == stats.top_categories(group, 2, scope, source="scan"), (group, scope)
            trend = stats.trend("day", scope, source="cells")
            assert trend == stats.trend("day", scope, source="scan"), scope
    return checked


def test_cells_equal_a_recount_while_complaints_change(national_matcher, agencies, django_db_blocker):
    with django_db_blocker.unblock():
        directory = loaders.load_directory()
        now = timezone.now()
        today = stat_windows.day_number(now, ZoneInfo("Asia/Bangkok"))
        stat_cells.fold_all()
        rng = random.Random(11)
        mine: list[int] = []
        lock = threading.Lock()
        errors: list[BaseException] = []
        stop = threading.Event()
        done: dict[str, int] = {}

        def file_one(r):
            lon, lat = r.choice(PLACES)
            filing = intake.Filing(
                lon=lon + r.uniform(-0.01, 0.01),
                lat=lat + r.uniform(-0.01, 0.01),
                categories=r.choice(CATEGORIES),
                created=now - timedelta(hours=r.uniform(0, 24 * 200)),  # some before the horizon
            )
            complaint, _ = commands.file(filing, matcher=national_matcher, directory=directory, deliver=False)
            with lock:
                mine.append(complaint.id)

        def change_one(r):
            with lock:
                if len(mine) < 4:
                    return
                a, b = r.sample(mine, 2)
            move = r.choice(("start", "finish", "reopen", "merge", "move", "erase", "file"))
            try:
                if move == "file":
                    file_one(r)
                elif move == "merge":
                    commands.merge(a, b, force=True)
                elif move == "move":
                    lon, lat = r.choice(PLACES)
                    commands.correct(a, matcher=national_matcher, directory=directory, lon=lon, lat=lat)
                elif move == "erase":
                    with transaction.atomic():  # locked first, as the moves lock it: no entry added meanwhile
                        found = list(Complaint.objects.select_for_update().filter(id=a).values_list("id", flat=True))
                        if found and not Complaint.objects.filter(parent_id=a).exists():
                            Complaint.objects.filter(id=a).delete()
                else:
                    commands.transition(a, move)
                    if move == "finish" and r.random() < 0.5:
                        with lock:
                            done[move] = done.get(move, 0) + 1
                        move = "reopen"
                        commands.transition(a, move)
                with lock:
                    done[move] = done.get(move, 0) + 1
            except (commands.CommandError, IllegalTransition, MergeError, ProtectedError, Complaint.DoesNotExist):
                pass  # a move the complaint's state refuses, or one another thread erased

        def worker(seed):
            r = random.Random(seed)
            try:
                for _ in range(45):
                    change_one(r)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        def folder():
            try:
                stat_cells.advance_horizon(today)
                while not stop.is_set():
                    stat_cells.fold(limit=rng.randrange(1, 40))
                    time.sleep(0.01)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        for _ in range(30):
            file_one(rng)
        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
        fold_thread = threading.Thread(target=folder)
        for t in [*threads, fold_thread]:
            t.start()
        checks = 0
        while any(t.is_alive() for t in threads):
            checks += compare(now)  # mid-way: some deltas folded, some not
        stop.set()
        fold_thread.join()
        assert not errors, errors
        assert checks > 0
        assert set(done) == {"start", "finish", "reopen", "merge", "move", "erase", "file"}, done
        assert compare(now) > 20
        stat_cells.fold_all()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {stat_cells.DELTAS}")
            assert cursor.fetchone()[0] == 0
            cursor.execute(f"SELECT day FROM {stat_cells.HORIZON}")
            horizon = cursor.fetchone()[0]
            assert horizon == (today - 64) // 64 * 64
            cursor.execute(
                f"SELECT count(*) FROM {stat_cells.CELLS} WHERE level < 2 AND bucket * 8 ^ level < %s", [horizon]
            )
            assert cursor.fetchone()[0] == 0
        assert compare(now) > 20

        out = io.StringIO()
        call_command("rebuild_stats", stdout=out)
        lines = out.getvalue().splitlines()
        assert lines[0].strip().startswith("read ") and "complaints" in lines[0]
        assert any("cuboid A level 5" in line for line in lines)
        assert lines[-1].startswith("rebuilt: ")
        assert compare(now) > 20
        for _ in range(3):  # merged reports before the complaints they were merged into
            Complaint.objects.filter(id__in=mine, children__isnull=True).delete()
        stat_cells.fold_all()
