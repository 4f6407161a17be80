"""The retry policy and the webhook signature, in plain Python with a hand-moved clock."""

import random
from datetime import UTC, datetime, timedelta

from delivery.clock import ManualClock
from delivery.outcome import Outcome
from delivery.policy import DEAD, DELIVERED, RETRY, RetryPolicy, parse_retry_after
from delivery.signing import signature, verify

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(window=timedelta(hours=24), base_s=10, cap_s=1800)


def judge(outcome, attempt=1, now=START, rng=None):
    return POLICY.judge(outcome, attempt=attempt, window_start=START, now=now, rng=rng or random.Random(1))


def test_2xx_is_delivered():
    for status in (200, 201, 202, 204):
        assert judge(Outcome(status=status, transient=False)).verdict == DELIVERED


def test_408_429_and_5xx_are_retried_other_4xx_dead_at_once_with_the_reason():
    for status in (408, 429, 500, 502, 503, 504):
        assert judge(Outcome(status=status, transient=False)).verdict == RETRY, status
    for status in (400, 404, 410, 422):
        decision = judge(Outcome(status=status, transient=False))
        # The status class: what the receiver said is for operators (docs/delivery.md#outbound).
        assert (decision.verdict, decision.reason, decision.message) == (DEAD, "rejected", "http_4xx")
    forbidden = judge(Outcome(status=403, transient=False, config_problem=True))
    assert (forbidden.verdict, forbidden.reason) == (DEAD, "config")


def test_refused_and_timed_out_are_retried_a_malformed_url_is_dead():
    assert judge(Outcome(error="cannot connect: [Errno 111] Connection refused")).verdict == RETRY
    assert judge(Outcome(error="timed out: ReadTimeout")).verdict == RETRY
    malformed = judge(Outcome(error="malformed URL 'http://'", transient=False, config_problem=True))
    assert (malformed.verdict, malformed.reason) == (DEAD, "config")


def test_backoff_doubles_with_jitter_between_half_and_all_and_is_capped():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (8, 1280), (9, 1800), (20, 1800)]:
        delays = [POLICY.backoff(attempt, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling, (attempt, min(delays), max(delays))
        assert max(delays) - min(delays) > ceiling / 4  # really jittered


def test_retry_after_is_honoured_as_seconds_or_a_date():
    decision = judge(Outcome(status=429, retry_after=120.0, transient=False))
    assert decision.next_attempt_at == START + timedelta(seconds=120)
    assert parse_retry_after("120", START) == 120.0
    assert parse_retry_after("Mon, 30 Nov 2026 08:05:00 GMT", START) == 300.0
    assert parse_retry_after("soon", START) is None
    # A shorter Retry-After than the back-off does not make the retry sooner.
    early = judge(Outcome(status=503, retry_after=1.0, transient=False), attempt=3)
    assert early.next_attempt_at >= START + timedelta(seconds=20)


def test_retries_stop_at_the_end_of_the_window_then_dead():
    clock = ManualClock(START)
    attempt, verdicts = 0, []
    while True:
        attempt += 1
        decision = judge(Outcome(status=503, transient=False), attempt=attempt, now=clock.now())
        verdicts.append(decision.verdict)
        if decision.verdict != RETRY:
            break
        clock.current = decision.next_attempt_at
    assert verdicts[-1] == DEAD and decision.reason == "expired"
    assert clock.now() <= START + timedelta(hours=24)
    # 10 s doubling to a 30 min cap fills 24 h in roughly 55 to 100 attempts, never more.
    assert 40 < attempt < 120, attempt


def test_signature_verifies_and_refuses_tampering_wrong_secret_and_replays():
    body = '{"kind":"new","complaint":{"id":1,"description":"ไฟถนนดับ"}}'.encode()
    ts = 1_800_000_000
    good = signature("whsec_x", ts, body)
    assert good.startswith("sha256=") and len(good) == 7 + 64
    assert verify("whsec_x", str(ts), body, good, now=ts + 10)
    assert not verify("whsec_x", str(ts), body + b" ", good, now=ts + 10)
    assert not verify("whsec_y", str(ts), body, good, now=ts + 10)
    assert not verify("whsec_x", str(ts), body, good, now=ts + 301)  # older than 5 minutes
    assert not verify("whsec_x", "yesterday", body, good, now=ts)
