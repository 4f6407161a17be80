"""A failure inside the route fast path is logged with its traceback and counted, never hidden,
and the request is still answered, by the DRF view, in the API's error shape."""

from .web import post

BANGKOK = {"lon": 100.5018, "lat": 13.7563, "category": "road"}
MISSING = "no_such_database_for_the_fast_path"


def test_a_failure_of_the_fast_path_is_logged_counted_and_answered(test_db_url):
    from geo.server import Gunicorn

    # A server whose database does not exist and whose routing state was not built before the
    # fork: the fast path fails for real when it asks for the directory, past parsing and charging.
    url = test_db_url.rsplit("/", 1)[0] + "/" + MISSING
    with Gunicorn(url, workers=1, front=False, extra_env={"GEO_PRELOAD_MATCHER": ""}) as server:
        replies = [post(f"{server.base}/api/v1/route", BANGKOK) for _ in range(2)]
        log = server.log_path.read_text(encoding="utf-8")
    assert [(r.status, r.json()["error"]["code"]) for r in replies] == [(503, "database_unavailable")] * 2
    assert "the fast path of Route failed (1 so far in this process); DRF answers" in log
    assert "the fast path of Route failed (2 so far in this process); DRF answers" in log
    # With its traceback, logged before the DRF view answers (Django's own warning line).
    first = log[log.index("the fast path of Route failed (1 so far") :]
    assert first.index("Traceback (most recent call last)") < first.index("Service Unavailable: /api/v1/route")
    assert f'database "{MISSING}" does not exist' in first
