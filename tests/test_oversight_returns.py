"""The operators' report of "not ours" returns and forwards, grouped by the rule and the place that
routed the complaints (history entries as complaints/commands.not_ours and forward write them)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from complaints.models import HistoryEntry
from oversight import returns
from routing.models import RoutingRule

from .oversight_data import NOW, build

pytestmark = pytest.mark.django_db


def entry(complaint, event, at, *, action="", data=None, note="", agency="T-A"):
    made = HistoryEntry.objects.create(
        complaint=complaint, event=event, action=action, data=data or {}, note=note, actor_agency=agency
    )
    HistoryEntry.objects.filter(id=made.id).update(at=at)  # `at` is set on creation; the report reads it


@pytest.fixture
def made(thailand, agencies):
    made = build()
    made["R1"] = RoutingRule.objects.create(area_code="9601", chain=["test"], note="Bang Nak roads to T-A")
    made["R2"] = RoutingRule.objects.create(area_code="96", chain=["test"], note="Narathiwat lights")
    day = NOW - timedelta(days=3)
    # Rule R1 sent three complaints of Bang Nak (960101) to T-A, which said "not ours" each time.
    for name in ("a3", "a4", "n1"):
        data = {"reason": f"road of the highways department ({name})", "agency": "T-A", "rule": made["R1"].id}
        entry(made[name], "returned", day, data={**data, "subdistrict_code": "960101"})
    # Once in Chehe (960201), by the rule given as an object.
    data = {"reason": "not ours", "agency": "T-B", "rule": {"id": made["R1"].id}, "subdistrict_code": "960201"}
    entry(made["b1"], "returned", day, data=data, agency="T-B")
    # No rule routed it (a fallback decision): grouped by the decision's kind.
    data = {"reason": "no idea", "agency": "T-A", "rule": None, "reason_code": "fallback", "subdistrict_code": "960101"}
    entry(made["a1"], "returned", day, data=data)
    # Two forwards from T-A to T-B of complaints R2 had routed: the rule is the complaint's decision's.
    for name in ("a2", "a5"):
        made[name].decision = {"rule": {"id": made["R2"].id}}
        made[name].save()
        data = {"from_agency": "T-A", "to_agency": "T-B"}
        entry(made[name], "transition", day, action="forward", data=data, note=f"lights are T-B's ({name})")
    # Other history does not count, nor a return from before the window.
    entry(made["a3"], "transition", day, action="start")
    old = {"reason": "old", "agency": "T-A", "rule": made["R1"].id, "subdistrict_code": "960101"}
    entry(made["a4"], "returned", NOW - timedelta(days=200), data=old)
    return made


def window():
    return NOW - timedelta(days=30), NOW


def test_groups_by_rule_and_place_largest_first(made):
    found = returns.groups(*window())
    summary = [(g.kind, g.rule_id, g.reason_code, g.subdistrict_code, g.moves, g.complaints) for g in found]
    r1, r2 = made["R1"].id, made["R2"].id
    assert summary == [
        ("returned", r1, None, "960101", 3, 3),
        ("forwarded", r2, None, "960101", 2, 2),
        ("returned", r1, None, "960201", 1, 1),
        ("returned", None, "fallback", "960101", 1, 1),  # ties: by kind, then rule (none last)
    ]
    top = found[0]
    assert top.from_agencies == ["T-A"] and top.rule["note"] == "Bang Nak roads to T-A"
    assert top.place["subdistrict"]["name_th"] == "บางนาค" and top.place["district"]["name_en"] == "Mueang Narathiwat"
    assert len(top.examples) == 3 and {e["complaint"] for e in top.examples} == {made[n].id for n in ("a3", "a4", "n1")}
    forwards = found[1]
    assert {(e["from"], e["to"]) for e in forwards.examples} == {("T-A", "T-B")}
    assert "lights are T-B's" in forwards.examples[0]["reason"]


def test_narrowed_to_an_area(made):
    assert [g.subdistrict_code for g in returns.groups(*window(), area="9602")] == ["960201"]
    assert returns.groups(*window(), area="53") == []


def test_the_operators_page_links_each_rule_to_the_admin(client, made):
    client.force_login(User.objects.create_user("operator", "op@example.org", "pw", is_staff=True))
    reply = client.get("/work/ops/returns?since=2026-11-01&until=2026-11-16")
    assert reply.status_code == 200
    page = reply.content.decode()
    assert f'href="/admin/routing/routingrule/{made["R1"].id}/change/"' in page
    assert "บางนาค" in page and "เจ๊ะเห" in page and "ไม่ใช่ของเรา" in page
    assert page.index(f'data-rule="{made["R1"].id}" data-subdistrict="960101"') < page.index(
        f'data-rule="{made["R2"].id}"'
    )
    assert "Somchai" not in page and "081-234-5678" not in page
    assert client.get("/work/ops/returns?area=abc").status_code == 400


def test_executives_do_not_see_the_operators_report(client, made):
    from access.models import ExecutiveProfile

    user = User.objects.create_user("gov96", "gov@example.org", "pw")
    ExecutiveProfile.objects.create(user=user, province_code="96")
    client.force_login(user)
    assert client.get("/work/ops/returns").status_code == 403


@pytest.fixture(scope="module")
def matcher(thailand, django_db_blocker):
    from .receivers import small_matcher

    with django_db_blocker.unblock():
        return small_matcher(thailand.id)


def test_real_returns_and_forwards_through_the_write_path(matcher, agencies):
    """Complaints filed in Uttaradit town, one given back as "not ours" and two forwarded by their
    agency through complaints.commands: the report groups them by the rule and subdistrict that
    had routed them (the complaint's decision before the return)."""
    from complaints import commands, intake
    from complaints.actors import Actor
    from routing import live

    directory = live.directory.current()
    filed = []
    for n in range(3):
        filing = intake.Filing(lon=100.0997, lat=17.6201, categories=("flooding",), description=f"flood {n}")
        complaint, _ = commands.file(filing, matcher=matcher, directory=directory, deliver=False)
        filed.append(complaint)
    first = filed[0]
    rule, place, agency = first.decision["rule"]["id"], first.subdistrict_code, first.agency.code
    staff = Actor("staff", "officer", agency)
    commands.not_ours(first.id, actor=staff, reason="the canal is the irrigation office's", matcher=matcher)
    for complaint in filed[1:]:
        commands.forward(complaint.id, actor=staff, to_agency="PEA", reason="a fallen power line")
    found = {(g.kind, g.rule_id, g.subdistrict_code): g for g in returns.groups(*_today(), area="53")}
    returned, forwarded = found[("returned", rule, place)], found[("forwarded", rule, place)]
    assert (returned.moves, returned.from_agencies) == (1, [agency])
    assert returned.examples[0]["reason"] == "the canal is the irrigation office's"
    assert (forwarded.moves, forwarded.complaints, forwarded.from_agencies) == (2, 2, [agency])
    assert {e["to"] for e in forwarded.examples} == {"PEA"}
    assert returned.place["province"]["name_th"] == "อุตรดิตถ์"


def _today():
    from django.utils import timezone

    now = timezone.now()
    return now - timedelta(hours=1), now + timedelta(hours=1)
