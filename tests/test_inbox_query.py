"""The officers' inbox query (workspace/inbox_query.py) on a small hand-made set of complaints: each
tab's members in order and its count, the filters, search, paging, an executive's area, another
agency's complaints never listed, and the query string's refusals. Expected lists are written down."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.http import QueryDict

from access.models import IntakeKey
from complaints.models import Complaint, Confirmation
from routing.models import Agency
from workspace.inbox_query import InboxFilters, inbox, parse_filters

BKK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=BKK)
H, D = timedelta(hours=1), timedelta(days=1)
EARLY = datetime(2026, 6, 1, 10, 0, tzinfo=BKK)

# name: (agency, status, due_at, fields). Created in this order, so ids ascend in it.
SET = {
    "a_new": ("A", "waiting", NOW + D, dict(categories=["road"], client_ticket_id="T-100",
              description="ถนนชำรุดเป็นหลุมบ่อหน้าตลาด", created=datetime(2026, 6, 10, 0, 30, tzinfo=BKK))),
    "a_fwd": ("A", "forwarded", NOW + 2 * H, dict(categories=["drain"], subdistrict_code="530102",
              description="ท่อระบายน้ำอุดตันส่งกลิ่น", created=datetime(2026, 6, 10, 23, 30, tzinfo=BKK))),
    "a_late_new": ("A", "waiting", NOW - 3 * H, dict(categories=["road"], description="ไฟฟ้าดับทั้งซอย")),
    "a_work": ("A", "in_progress", NOW + 5 * D, dict(categories=["electricity"], subdistrict_code="530102",
               description="ไฟดับ 100% ทั้งหมู่บ้าน", created=datetime(2026, 6, 11, 0, 10, tzinfo=BKK))),
    "a_late_work": ("A", "in_progress", NOW - 2 * D, dict(categories=["road"])),
    "a_follow": ("A", "follow_up", NOW + 3 * D, {}),
    "a_no_due": ("A", "waiting", None, {}),
    "a_done_asked": ("A", "finished", None, dict(resolved_at=NOW - D)),
    "a_done_answered": ("A", "finished", None, dict(resolved_at=NOW - 2 * D)),
    "a_done_expired": ("A", "finished", None, dict(resolved_at=NOW - 10 * D)),
    "a_rejected": ("A", "irrelevant", None, dict(resolved_at=NOW - 5 * D)),
    "a_due_exact": ("A", "in_progress", NOW, {}),
    "a_child": ("A", "waiting", None, dict(parent="a_new")),
    "a_child2": ("A", "waiting", None, dict(parent="a_new")),
    "a_escalated_up": ("A", "waiting", NOW + 4 * H, dict(escalated_to="P")),
    "b_open": ("B", "waiting", NOW - D, dict(source="other", client_ticket_id="T-100", district_code="5302",
               subdistrict_code="530201", description="ท่อระบายน้ำอุดตันหน้าวัด")),
    "b_escalated": ("B", "in_progress", NOW - H, dict(escalated_to="A", province_code="10",
                    district_code="1001", subdistrict_code="100101")),
    "b_escalated_done": ("B", "finished", None, dict(escalated_to="A", resolved_at=NOW - 20 * D,
                         province_code="10", district_code="1001", subdistrict_code="100101")),
}  # fmt: skip

OPEN_A = ["a_late_work", "a_late_new", "b_escalated", "a_due_exact", "a_fwd", "a_escalated_up", "a_new"]
OPEN_A += ["a_follow", "a_work", "a_no_due"]
DONE_A = ["a_done_asked", "a_done_answered", "a_rejected", "a_done_expired", "b_escalated_done"]
COUNTS_A = {"new": 5, "in_progress": 5, "overdue": 4, "escalated": 1, "awaiting_reporter": 1, "done": 5}


@pytest.fixture
def world(db):
    agencies = {
        code: Agency.objects.create(code=f"T-{code}", name_th=f"หน่วยงาน {code}", kind="local_government")
        for code in "ABP"
    }
    made = {}
    for name, (agency, status, due, fields) in SET.items():
        fields = dict(fields)
        if "parent" in fields:
            fields["parent"] = made[fields["parent"]]
        if "escalated_to" in fields:
            fields["escalated_to"] = agencies[fields["escalated_to"]]
        defaults = dict(province_code="53", district_code="5301", subdistrict_code="530101", created=EARLY)
        made[name] = Complaint.objects.create(
            location=Point(100.1, 17.6, srid=4326),
            agency=agencies[agency],
            status=status,
            due_at=due,
            **(defaults | {"categories": ["cleanliness"]} | fields),
        )
    key, _ = IntakeKey.objects.issue("tests")
    for name, asked, answered in (
        ("a_done_asked", NOW - D, None),
        ("a_done_answered", NOW - 2 * D, NOW - D),
        ("a_done_expired", NOW - 10 * D, None),
    ):
        Confirmation.objects.create(
            complaint=made[name], intake_key=key, asked_at=asked, expires_at=asked + 7 * D, answered_at=answered
        )
    names = {c.id: name for name, c in made.items()}
    return agencies, made, names


def listed(world, agency="A", area=None, **filters):
    agencies, _, names = world
    page = inbox(agencies[agency].id if agency else None, InboxFilters(**filters), now=NOW, area=area)
    return [names[c.id] for c in page.rows], page


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("open", OPEN_A),
        ("new", ["a_late_new", "a_fwd", "a_escalated_up", "a_new", "a_no_due"]),
        ("in_progress", ["a_late_work", "b_escalated", "a_due_exact", "a_follow", "a_work"]),
        ("overdue", ["a_late_work", "a_late_new", "b_escalated", "a_due_exact"]),
        ("escalated", ["b_escalated"]),
        ("awaiting_reporter", ["a_done_asked"]),
        ("done", DONE_A),
        # No deadline (closed, or imported) comes last, by id: the order the set was made in.
        ("all", [*OPEN_A, "a_done_asked", "a_done_answered", "a_done_expired", "a_rejected", "b_escalated_done"]),
    ],
)  # fmt: skip
def test_each_tab_lists_its_members_in_order_with_the_counts(world, tab, expected):
    names, page = listed(world, tab=tab)
    assert names == expected
    assert page.total == len(expected)
    assert page.counts == COUNTS_A
    assert (page.page, page.pages) == (1, 1)


def test_rows_carry_their_agency_and_merged_reports_without_more_queries(world, django_assert_num_queries):
    agencies, made, _ = world
    with django_assert_num_queries(3):  # the counts, the page's ids, the rows
        page = inbox(agencies["A"].id, InboxFilters(tab="all"), now=NOW)
        seen = {c.id: (c.agency.code, c.escalated_to and c.escalated_to.code, c.duplicate_count) for c in page.rows}
    assert seen[made["a_new"].id] == ("T-A", None, 2)
    assert seen[made["b_escalated"].id] == ("T-B", "T-A", 0)
    assert made["a_child"].id not in seen and made["a_child2"].id not in seen


def test_another_agency_sees_only_its_own_and_what_is_escalated_to_it(world):
    assert listed(world, "B", tab="all")[0] == ["b_open", "b_escalated", "b_escalated_done"]
    names, page = listed(world, "P", tab="all")
    assert names == ["a_escalated_up"]
    assert page.counts == {"new": 1, "in_progress": 0, "overdue": 0, "escalated": 1, "awaiting_reporter": 0, "done": 0}
    assert listed(world, tab="all", q="หน้าวัด")[0] == []  # b_open's words, from A's inbox


@pytest.mark.parametrize(
    ("filters", "expected", "counts"),
    [
        (dict(category="road"), ["a_late_work", "a_late_new", "a_new"],
         {"new": 2, "in_progress": 1, "overdue": 2, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        (dict(subdistrict="530102"), ["a_fwd", "a_work"],
         {"new": 1, "in_progress": 1, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        (dict(status="follow_up"), ["a_follow"],
         {"new": 0, "in_progress": 1, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        # Bangkok days: a_new (00:30 on the 10th, the 9th in UTC) in, a_work (00:10 on the 11th) out.
        (dict(date_from=date(2026, 6, 10), date_to=date(2026, 6, 10)), ["a_fwd", "a_new"],
         {"new": 2, "in_progress": 0, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        (dict(date_from=date(2026, 6, 11)), ["a_work"],
         {"new": 0, "in_progress": 1, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        (dict(has_duplicates=True), ["a_new"],
         {"new": 1, "in_progress": 0, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
        (dict(has_duplicates=False), [n for n in OPEN_A if n != "a_new"],
         {"new": 4, "in_progress": 5, "overdue": 4, "escalated": 1, "awaiting_reporter": 1, "done": 5}),
        (dict(tab="overdue", category="road", subdistrict="530101"), ["a_late_work", "a_late_new"],
         {"new": 2, "in_progress": 1, "overdue": 2, "escalated": 0, "awaiting_reporter": 0, "done": 0}),
    ],
)  # fmt: skip
def test_filters_narrow_the_list_and_the_counts(world, filters, expected, counts):
    names, page = listed(world, **filters)
    assert names == expected
    assert page.counts == counts
    assert page.total == len(expected)


def test_search_by_number_ticket_and_thai_text(world):
    _, made, _ = world
    assert listed(world, tab="all", q=str(made["a_work"].id))[0] == ["a_work"]
    assert listed(world, tab="all", q=f"#{made['a_done_asked'].id}")[0] == ["a_done_asked"]
    assert listed(world, tab="all", q=str(made["b_open"].id))[0] == []  # B's number
    assert listed(world, tab="all", q=str(made["a_child"].id))[0] == []  # merged: follows its parent
    names, page = listed(world, tab="all", q="T-100")  # B's complaint has the same ticket id
    assert names == ["a_new"]
    assert page.counts == {"new": 1, "in_progress": 0, "overdue": 0, "escalated": 0, "awaiting_reporter": 0, "done": 0}
    assert listed(world, tab="all", q="ท่อระบายน้ำ")[0] == ["a_fwd"]
    assert listed(world, tab="all", q="หลุมบ่อ")[0] == ["a_new"]
    assert listed(world, tab="all", q="ไฟ")[0] == ["a_late_new", "a_work"]  # two characters, still found
    assert listed(world, tab="all", q="ถนนดี")[0] == []
    # LIKE's wildcards are searched for as written.
    assert listed(world, tab="all", q="100%")[0] == ["a_work"]
    assert listed(world, tab="all", q="_")[0] == []
    assert listed(world, tab="all", q="%")[0] == ["a_work"]


def test_pages(world):
    names, page = listed(world, page_size=3)
    assert (names, page.total, page.page, page.pages) == (OPEN_A[:3], 10, 1, 4)
    names, page = listed(world, page_size=3, page=2)
    assert names == ["a_due_exact", "a_fwd", "a_escalated_up"]
    assert (page.total, page.page, page.pages) == (10, 2, 4)
    names, page = listed(world, page_size=3, page=4)
    assert names == ["a_no_due"]
    names, page = listed(world, page_size=3, page=99)  # past the end: the last page
    assert (names, page.page) == (["a_no_due"], 4)
    names, page = listed(world, tab="done", page_size=2, page=3)
    assert (names, page.pages) == (["b_escalated_done"], 3)
    names, page = listed(world, tab="all", q="ไฟ", page_size=1, page=5)  # the same past the end of a search
    assert (names, page.total, page.page, page.pages) == (["a_work"], 2, 2, 2)
    names, page = listed(world, q="nothing of the kind")
    assert (names, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_an_executives_area_and_the_operators_everything(world):
    district = listed(world, None, area=("district", "5301"), tab="all")[0]
    assert set(district) == {n for n in SET if n.startswith("a_") and not n.startswith("a_child")}
    names, page = listed(world, None, area=("province", "53"))
    expected = ["a_late_work", "b_open", "a_late_new", "a_due_exact", "a_fwd", "a_escalated_up", "a_new"]
    assert names == [*expected, "a_follow", "a_work", "a_no_due"]
    assert page.counts == {"new": 6, "in_progress": 4, "overdue": 4, "escalated": 1, "awaiting_reporter": 1, "done": 4}
    assert listed(world, None, area=("province", "53"), tab="escalated")[0] == ["a_escalated_up"]
    names, page = listed(world, None, tab="escalated")  # operators: everything
    assert names == ["b_escalated", "a_escalated_up"]
    assert page.counts == {"new": 6, "in_progress": 5, "overdue": 5, "escalated": 2, "awaiting_reporter": 1, "done": 5}
    for bad in [("subdistrict", "530101"), ("province", "5"), ("district", "53")]:
        with pytest.raises(ValueError):
            listed(world, None, area=bad)


def test_parse_filters_reads_a_query_string():
    thai = "%E0%B8%96%E0%B8%99%E0%B8%99%20"  # "ถนน " (a trailing space)
    query = QueryDict(
        "tab=overdue&category=road&subdistrict=530101&status=waiting&date_from=2026-06-01"
        f"&date_to=2026-06-30&has_duplicates=yes&q={thai}&page=3&page_size=200"
    )
    assert parse_filters(query) == InboxFilters(
        tab="overdue",
        category="road",
        subdistrict="530101",
        status="waiting",
        date_from=date(2026, 6, 1),
        date_to=date(2026, 6, 30),
        has_duplicates=True,
        q="ถนน",
        page=3,
        page_size=200,
    )
    assert parse_filters({}) == InboxFilters()
    assert parse_filters({"has_duplicates": "0", "tab": "", "page": ""}) == InboxFilters(has_duplicates=False)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tab": "inbox"}, "tab"),
        ({"category": "Road!"}, "category"),
        ({"subdistrict": "5301"}, "subdistrict"),
        ({"subdistrict": "53010a"}, "subdistrict"),
        ({"status": "done"}, "status"),
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"date_to": "15/06/2026"}, "date_to"),
        ({"date_from": "2026-06-02", "date_to": "2026-06-01"}, "date_to"),
        ({"has_duplicates": "maybe"}, "has_duplicates"),
        ({"q": "ก" * 201}, "q"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "1e3"}, "page_size"),
    ],
)
def test_parse_filters_refuses_bad_values_naming_the_field(query, field):
    with pytest.raises(ValueError) as refused:
        parse_filters(query)
    assert refused.value.args[0] == field
    assert refused.value.args[1]  # a message to show beside the field
