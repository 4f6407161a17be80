"""The change feed over real HTTP: exactly once under concurrent writers, and only what a caller may see."""

import base64
import random
import threading
import time

import pytest
from django.db import connection, transaction

from complaints import changes
from complaints.models import Complaint

from .web import get, post

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}
BANGKOK = {"lon": 100.5018, "lat": 13.7563}
WRITERS, CHANGES_EACH = 50, 200
# Changes show once every transaction older than them has ended, on the whole cluster: another
# test run's long load holds them back that long.
HORIZON_WAIT_S = 600


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


@pytest.fixture(scope="module")
def other_key(credentials, django_db_blocker):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue("feed-other-intake")[1]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def basic(user_password):
    user, password = user_password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def file(api, key, where=UTTARADIT, **extra):
    reply = post(f"{api}/complaints", {**where, "category": "street_light", **extra}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def head(django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return changes.head().token()


def read_all(api, after, headers=None, limit=1000):
    """Read on until the feed says there is nothing more; returns (changes, next position)."""
    seen = []
    while True:
        page = get(f"{api}/changes?after={after}&limit={limit}", headers=headers or {}).json()
        seen += page["changes"]
        after = page["next"]
        if not page["more"]:
            return seen, after


def read_until(api, after, count, headers=None, timeout=HORIZON_WAIT_S):
    """The first `count` changes after a position, waiting while the horizon is held back (any
    transaction still open on the cluster, this machine's other test runs included), then
    one read more to show that nothing else follows."""
    seen, deadline = [], time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        fresh, after = read_all(api, after, headers)
        seen += fresh
        if len(seen) < count:
            time.sleep(0.1)
    return seen + read_all(api, after, headers)[0]


class Reader(threading.Thread):
    """Polls the feed while the writers write, with page sizes that change at random."""

    def __init__(self, api, after, headers, stop, expected: int, ours: set):
        super().__init__()
        self.url, self.after, self.headers, self.stop = f"{api}/changes", after, headers, stop
        self.expected, self.ours = expected, ours
        self.seen, self.errors, self.polls = [], [], 0
        self.rng = random.Random(7)

    def run(self):
        deadline, idle_after_all = None, 0
        while idle_after_all < 3:
            if self.stop.is_set() and deadline is None:
                deadline = time.monotonic() + HORIZON_WAIT_S
            if deadline and time.monotonic() > deadline:
                return
            reply = get(f"{self.url}?after={self.after}&limit={self.rng.randint(1, 1000)}", headers=self.headers)
            self.polls += 1
            if reply.status != 200:
                self.errors.append((reply.status, reply.body[:200]))
                time.sleep(0.5)
                continue
            page = reply.json()
            self.seen += page["changes"]
            self.after = page["next"]
            if not page["more"]:
                # Done when the writers have finished, every change they wrote has been read, and
                # three more reads found nothing (a change read twice would show up there).
                arrived = sum(c["complaint_id"] in self.ours and c["event"] == "noted" for c in self.seen)
                arrived = arrived >= self.expected
                idle_after_all = idle_after_all + 1 if self.stop.is_set() and arrived else 0
                time.sleep(0.05)


def write(complaint_id: int, writer: int, seed: int, failures: list):
    """One writer: CHANGES_EACH transactions, each sleeping before and after its write so that
    transactions begun in one order commit in another."""
    rng = random.Random(seed)
    try:
        for i in range(CHANGES_EACH):
            with transaction.atomic():
                time.sleep(rng.uniform(0, 0.002))
                complaint = Complaint.objects.get(id=complaint_id)
                changes.record(complaint, "noted", note=f"{writer}:{i}")
                time.sleep(rng.uniform(0, 0.004))
    except Exception as exc:  # reported by the test, not lost in a thread
        failures.append(repr(exc))
    finally:
        connection.close()


def test_a_reader_sees_every_change_of_concurrent_writers_exactly_once(api, credentials, other_key, django_db_blocker):
    mine = [file(api, credentials["key"]) for _ in range(WRITERS // 2)]
    theirs = [file(api, other_key) for _ in range(WRITERS - WRITERS // 2)]
    start = head(django_db_blocker)
    stop = threading.Event()
    public = Reader(api, start, {}, stop, WRITERS * CHANGES_EACH, set(mine + theirs))
    own = Reader(api, start, bearer(credentials["key"]), stop, len(mine) * CHANGES_EACH, set(mine))
    public.start()
    own.start()
    failures = []
    with django_db_blocker.unblock():
        writers = [threading.Thread(target=write, args=(cid, w, w, failures)) for w, cid in enumerate(mine + theirs)]
        began = time.monotonic()
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        wrote_s = time.monotonic() - began
    stop.set()
    public.join(timeout=HORIZON_WAIT_S + 60)
    own.join(timeout=HORIZON_WAIT_S + 60)
    assert not failures and not public.errors and not own.errors
    assert not public.is_alive() and not own.is_alive()

    written = {(cid, f"{w}:{i}") for w, cid in enumerate(mine + theirs) for i in range(CHANGES_EACH)}
    ours = set(mine + theirs)
    # Only the writers' changes: the filings may or may not fall after the start position, depending
    # on whether a transaction elsewhere held the horizon back when it was taken.
    public_seen = [
        (c["complaint_id"], c["note"]) for c in public.seen if c["complaint_id"] in ours and c["event"] == "noted"
    ]
    assert len(public_seen) == WRITERS * CHANGES_EACH == len(set(public_seen))  # none twice
    assert set(public_seen) == written  # none missing
    assert {c["complaint_id"] for c in own.seen} == set(mine)  # the key sees its own complaints only
    own_seen = [(c["complaint_id"], c["note"]) for c in own.seen if c["event"] == "noted"]
    assert len(own_seen) == len(set(own_seen)) == len(mine) * CHANGES_EACH
    # One order for everyone: positions only grow, each writer's changes come in the order it
    # committed them, and both readers agree on the order of the changes both see.
    for reader in (public, own):
        positions = [changes.Position.parse(c["position"]) for c in reader.seen]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
    for w, cid in enumerate(mine + theirs):
        assert [note for c, note in public_seen if c == cid] == [f"{w}:{i}" for i in range(CHANGES_EACH)]
    assert [x for x in public_seen if x[0] in set(mine)] == own_seen
    print(
        f"\n{WRITERS} writers x {CHANGES_EACH} changes written in {wrote_s:.1f} s; polls: {public.polls} + {own.polls}"
    )


def test_each_caller_sees_only_its_own_and_no_personal_data(api, credentials, other_key, django_db_blocker):
    start = head(django_db_blocker)
    town, pea = credentials["staff"]["5399"], credentials["staff"]["PEA"]
    mine = file(api, credentials["key"], reporter={"name": "สมชาย", "contact": "081-234-5678"})
    theirs = file(api, other_key, where=BANGKOK)
    post(f"{api}/complaints/{mine}/transitions", {"action": "start"}, headers=basic(town))
    post(
        f"{api}/complaints/{mine}/transitions",
        {"action": "forward", "agency": "PEA", "note": "สายไฟ"},
        headers=basic(town),
    )
    post(f"{api}/complaints/{mine}/transitions", {"action": "start"}, headers=basic(pea))

    own = read_until(api, start, 4, bearer(credentials["key"]))
    assert [(c["complaint_id"], c["event"], c["action"]) for c in own] == [
        (mine, "created", None),
        (mine, "transition", "start"),
        (mine, "transition", "forward"),
        (mine, "transition", "start"),
    ]
    assert [c["complaint_id"] for c in read_until(api, start, 1, bearer(other_key))] == [theirs]
    # The town's staff see the complaint until it left them, including the forward itself.
    town_seen = [(c["complaint_id"], c["action"]) for c in read_until(api, start, 3, basic(town))]
    assert town_seen == [(mine, None), (mine, "start"), (mine, "forward")]
    pea_seen = [(c["complaint_id"], c["action"]) for c in read_until(api, start, 2, basic(pea))]
    assert pea_seen == [(mine, "forward"), (mine, "start")]
    forward = own[2]
    assert forward["actor"] == {"role": "staff", "agency": "5399"} and forward["note"] == "สายไฟ"
    assert forward["data"] == {"from_agency": "5399", "to_agency": "PEA"}
    assert own[0]["actor"] == {"role": "intake", "agency": None}
    public = read_until(api, start, 5)
    assert {mine, theirs} <= {c["complaint_id"] for c in public}
    text = str(public) + str(own)
    for personal in ("สมชาย", "081-234-5678", "staff-5399", "staff-PEA"):
        assert personal not in text


def test_a_reader_at_the_head_waits_at_its_position_until_something_commits(api, credentials, django_db_blocker):
    start = head(django_db_blocker)
    _, after = read_all(api, start, bearer(credentials["key"]))
    again = get(f"{api}/changes?after={after}", headers=bearer(credentials["key"])).json()
    assert again["changes"] == [] and again["more"] is False
    # The position may move on past other callers' changes, never back.
    assert changes.Position.parse(again["next"]) >= changes.Position.parse(after)
    cid = file(api, credentials["key"])
    fresh = read_until(api, after, 1, bearer(credentials["key"]))
    assert [c["complaint_id"] for c in fresh] == [cid]
    file(api, credentials["key"])
    read_until(api, start, 2, bearer(credentials["key"]))
    page = get(f"{api}/changes?after={start}&limit=1", headers=bearer(credentials["key"])).json()
    assert page["more"] is True and len(page["changes"]) == 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("after=not-a-position", "after"),
        ("after=%E0%B8%81", "after"),
        ("after=AAAAAAAAAAAAAAAAAAAAAA%3D%3D%3D", "after"),
        ("after=_____________________w", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("limit=ten", "limit"),
        ("complaint=-1", "complaint"),
    ],
)
def test_bad_positions_and_limits_are_400(api, query, parameter):
    reply = get(f"{api}/changes?{query}")
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_parameter" and error["details"] == {"parameter": parameter}
