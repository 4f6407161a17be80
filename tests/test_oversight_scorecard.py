"""The executives' scorecard (oversight/scorecard.py) against figures computed by hand
(tests/oversight_data.py says how each is obtained), called without HTTP."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oversight import charts, scorecard
from oversight.areas import Area
from oversight.scorecard import Period

from .oversight_data import NOW, SINCE, UNTIL, build

pytestmark = pytest.mark.django_db

NARATHIWAT = Area("96", "นราธิวาส", "Narathiwat")
PERIOD = Period(SINCE, UNTIL)


@pytest.fixture
def made(agencies):
    return build()


def by_code(rows):
    return {r["code"]: r for r in rows}


def test_agencies_side_by_side_match_the_hand_computed_figures(made):
    rows = by_code(scorecard.agencies(NARATHIWAT, PERIOD, now=NOW))
    assert set(rows) == {"T-A", "T-B", None}  # T-C is Uttaradit's
    a, b, none = rows["T-A"], rows["T-B"], rows[None]
    assert (a["received"], a["done"], a["response_h"], a["done_h"]) == (4, 2, 4.0, 20.0)
    assert (a["open_now"], a["overdue_now"], a["overdue_share"]) == (3, 2, 0.6667)
    assert (a["reopen_rate"], a["rating_count"], a["rating_mean"]) == (0.25, 5, 4.2)
    assert (b["received"], b["done"], b["response_h"], b["done_h"]) == (1, 1, 1.0, 3.0)
    assert (b["open_now"], b["overdue_share"], b["reopen_rate"]) == (0, None, 0.0)
    assert (b["rating_count"], b["rating_mean"]) == (4, None)  # below 5 ratings: not published
    assert (none["received"], none["done"], none["response_h"], none["open_now"], none["overdue_share"]) == (
        1,
        0,
        None,
        1,
        0.0,
    )
    totals = scorecard.totals(list(rows.values()))
    assert (totals["received"], totals["done"], totals["open_now"], totals["overdue_now"]) == (6, 3, 4, 2)
    assert totals["overdue_share"] == 0.5 and totals["reopen_rate"] == pytest.approx(1 / 6, abs=1e-4)


def test_a_district_narrows_the_area(made):
    district = Area("9601", "เมืองนราธิวาส", "Mueang Narathiwat")
    rows = by_code(scorecard.agencies(district, PERIOD, now=NOW))
    assert rows["T-A"]["received"] == 4
    assert scorecard.agencies(Area("9602", "ตากใบ", "Tak Bai"), PERIOD, now=NOW) == []


def test_two_queries_whatever_the_number_of_agencies(made):
    with CaptureQueriesContext(connection) as queries:
        scorecard.agencies(NARATHIWAT, PERIOD, now=NOW)
    assert len(queries) == 2  # the agencies' figures and the ratings


def test_server_side_sorting_puts_unknown_figures_last(made):
    rows = scorecard.agencies(NARATHIWAT, PERIOD, now=NOW)
    assert [r["code"] for r in scorecard.sort(rows, "-received")] == ["T-A", None, "T-B"]  # ties by code
    assert [r["code"] for r in scorecard.sort(rows, "received")] == [None, "T-B", "T-A"]
    assert [r["code"] for r in scorecard.sort(rows, "-overdue")] == ["T-A", None, "T-B"]  # T-B: nothing open
    assert [r["code"] for r in scorecard.sort(rows, "response")] == ["T-B", "T-A", None]
    assert [r["code"] for r in scorecard.sort(rows, "-rating")] == ["T-A", None, "T-B"]


def test_trend_by_iso_week(made):
    weeks = scorecard.trend(NARATHIWAT, PERIOD)
    assert [(w["week"], w["received"], w["done"]) for w in weeks] == [("2026-W45", 3, 2), ("2026-W46", 3, 1)]
    chart = charts.weekly_bars(weeks)
    assert [b["received"] for b in chart["bars"]] == [3, 3]
    tallest = max(b["rh"] for b in chart["bars"])
    assert tallest == chart["base"] - chart["bars"][0]["ry"] and tallest > 0


def test_a_week_without_any_move_is_shown_as_zero(made):
    weeks = scorecard.trend(NARATHIWAT, Period(SINCE, UNTIL.replace(day=30)))
    # b2, filed and finished on 20 November, is week 47's; week 48 has nothing.
    assert [(w["week"], w["received"], w["done"]) for w in weeks][-2:] == [("2026-W47", 1, 1), ("2026-W48", 0, 0)]


def test_overdue_map_points_carry_no_personal_data(made):
    points = scorecard.overdue_points(NARATHIWAT, now=NOW)
    assert [f["id"] for f in points["features"]] == [made["a5"].id, made["a3"].id]
    text = str(points)
    for private in ("Somchai", "081-234-5678", "private words"):
        assert private not in text
    assert points["features"][0]["properties"]["agency"] == "T-A"
    assert points["features"][0]["geometry"]["coordinates"] == [101.82, 6.43]


def test_monthly_period_and_recent_weeks():
    november = Period.month(2026, 11)
    assert (november.since.isoformat(), november.until.isoformat(), november.days) == ("2026-11-01", "2026-12-01", 30)
    assert Period.month(2026, 12).until.isoformat() == "2027-01-01"
    recent = Period.recent_weeks(12, today=SINCE.replace(day=4))  # a Wednesday
    assert (recent.since.isoformat(), recent.until.isoformat()) == ("2026-08-17", "2026-11-09")
