"""Who is responsible: rules, local government and fallbacks, in plain Python and on the real data."""

import numpy as np
import pytest

from routing import live, loaders
from routing.engine.answers import Jurisdiction, Match
from routing.models import Agency, Category, RoutingRule
from routing.rules.records import AgencyInfo, LocalUnitInfo, Rule
from routing.rules.responsibility import Directory, UnknownCategory, decide
from routing.rules.tambon_xml import parse_province


def match_at(sub="530101", name="Tha It"):
    return Match(
        "matched",
        {
            "subdistrict": Jurisdiction("subdistrict", sub, "ท่าอิฐ", name, 1),
            "district": Jurisdiction("district", sub[:4], "เมืองอุตรดิตถ์", "Mueang Uttaradit", 1),
            "province": Jurisdiction("province", sub[:2], "อุตรดิตถ์", "Uttaradit", 1),
        },
    )


def agency(code, kind, jurisdiction="", **extra):
    return AgencyInfo(code, f"ชื่อ {code}", f"Name {code}", kind, jurisdiction, **extra)


def directory(coverage, units, rules=None, agencies=()):
    rules = rules or [Rule(1, None, "", ("local_government", "district_office", "province_hall"), 1000)]
    all_agencies = [
        agency("DO-5301", "district_office", "5301"),
        agency("PH-53", "province_hall", "53"),
        *[agency(u.code, u.kind, u.code) for u in units.values()],
        *agencies,
    ]
    by_key, by_kind = {}, {}
    for a in all_agencies:
        by_key.setdefault((a.kind, a.jurisdiction_code), []).append(a)
        by_kind.setdefault(a.kind, []).append(a)
    categories = {
        "street_light": ("แสงสว่าง", "Street light"),
        "water_supply": ("ประปา", "Water"),
        "other": ("อื่นๆ", "Other"),
    }
    return Directory(categories, rules, by_key, by_kind, units, coverage)


TOWN = LocalUnitInfo("5399", "town_municipality", "เทศบาลเมืองอุตรดิตถ์", "Uttaradit Town", (100.0959, 17.6230))
SAO = LocalUnitInfo("SAO-530101", "sao", "อบต.ท่าอิฐ", "Tha It SAO", (100.20, 17.70))


def test_complete_municipality_is_exact():
    d = directory({"530101": [("5399", "completely")]}, {"5399": TOWN})
    decision = decide(d, match_at(), ["street_light"], (100.1, 17.62))
    assert decision.agency.code == "5399" and decision.confidence == "exact"
    assert "covered completely by Uttaradit Town" in decision.reason_en and "rule: Street light" in decision.reason_en
    assert decision.local_government.coverage == "completely"


def test_partial_coverage_says_so_and_lists_the_other_candidate():
    d = directory({"530101": [("5399", "partially"), ("SAO-530101", "completely")]}, {"5399": TOWN, "SAO-530101": SAO})
    near_town = decide(d, match_at(), ["street_light"], (100.096, 17.623))
    assert near_town.agency.code == "5399" and near_town.confidence == "partial"
    assert [a["agency"]["code"] for a in near_town.alternatives] == ["SAO-530101"]
    near_sao = decide(d, match_at(), ["street_light"], (100.199, 17.699))
    assert near_sao.agency.code == "SAO-530101" and near_sao.confidence == "partial"
    assert [a["agency"]["code"] for a in near_sao.alternatives] == ["5399"]


def test_falls_back_along_the_chain_and_says_why():
    d = directory({}, {})
    decision = decide(d, match_at(), ["street_light"], (100.1, 17.62))
    assert decision.agency.code == "DO-5301" and decision.confidence == "fallback"
    assert "no local government here" in decision.reason_en


def test_more_specific_rule_wins_and_utilities_follow_their_service_area():
    rules = [
        Rule(1, None, "", ("local_government", "district_office"), 1000),
        Rule(2, "water_supply", "", ("utility", "local_government"), 100),
    ]
    utilities = [
        agency("MWA", "utility", service_provinces=("10",), categories=("water_supply",)),
        agency("PWA", "utility", service_provinces=("53",), categories=("water_supply",)),
    ]
    d = directory({"530101": [("SAO-530101", "completely")]}, {"SAO-530101": SAO}, rules, utilities)
    assert decide(d, match_at(), ["water_supply"], (100.1, 17.62)).agency.code == "PWA"
    assert decide(d, match_at(), ["street_light"], (100.1, 17.62)).agency.code == "SAO-530101"
    several = decide(d, match_at(), ["water_supply", "street_light"], (100.1, 17.62))
    assert several.agency.code == "PWA" and several.alternatives[0]["agency"]["code"] == "SAO-530101"


def test_unknown_category_and_point_outside():
    d = directory({}, {})
    with pytest.raises(UnknownCategory, match="unicorn"):
        decide(d, match_at(), ["unicorn"], (100.1, 17.62))
    nowhere = decide(d, Match("unmatched", {}, "outside every boundary"), ["other"], (90.0, 0.0))
    assert nowhere.agency is None and nowhere.confidence == "none"


def test_uttaradit_local_government_counts():
    from django.conf import settings

    units = parse_province(settings.GEO_DATA_DIR / "thailand/local-government/geocode/geocode53.xml")
    kinds = [u.kind for u in units]
    assert kinds.count("town_municipality") == 1 and kinds.count("subdistrict_municipality") == 22
    assert kinds.count("sao") == 53 and kinds.count("pao") == 1
    town = next(u for u in units if u.kind == "town_municipality")
    assert town.coverage == {"530101": "completely", "530102": "partially"}
    assert town.lon == pytest.approx(100.0959)


@pytest.mark.django_db
def test_every_point_of_uttaradit_and_bangkok_routes_for_every_category(national_matcher, agencies):
    d = loaders.load_directory()
    for (west, south, east, north), province in [
        ((99.9, 17.2, 101.2, 18.2), "53"),
        ((100.33, 13.5, 100.94, 13.95), "10"),
    ]:
        lons, lats = np.meshgrid(np.linspace(west, east, 25), np.linspace(south, north, 25))
        batch = national_matcher.lookup_many(lons.ravel(), lats.ravel(), within_m=0)
        routed = 0
        for k in range(batch.n):
            match = batch.match(k)
            if match.status != "matched" or match.jurisdictions["province"].code != province:
                continue
            for category in d.categories:
                decision = decide(d, match, [category], (lons.ravel()[k], lats.ravel()[k]))
                assert decision.agency is not None, (category, match.jurisdictions["subdistrict"].code)
                assert decision.reason_en and decision.reason_th
            routed += 1
        assert routed > 100


@pytest.mark.django_db
def test_a_rule_edited_in_the_database_decides_the_next_complaint(national_matcher, agencies):
    # The live directory notices the edit by its version and rebuilds; refresh() does it in this thread,
    # which sees this test's uncommitted rows.
    holder = live.LiveValue(
        "directory", loaders.load_directory, loaders.directory_version, lambda d: d.version, poll_seconds=0
    )
    match = national_matcher.lookup(100.0997, 17.6201)
    before = decide(holder.refresh(), match, ["street_light"], (100.0997, 17.6201))
    assert before.agency.code == "5399"
    RoutingRule.objects.create(
        category=Category.objects.get(code="street_light"), area_code="53", chain=["pao"], priority=10, note="test"
    )
    after = decide(holder.refresh(), match, ["street_light"], (100.0997, 17.6201))
    assert after.agency.code == "PAO-53" and after.rule.note == "test"
    Agency.objects.filter(code="PAO-53").update(active=False)
    fallback = decide(holder.refresh(), match, ["street_light"], (100.0997, 17.6201))
    assert fallback.agency.code == "5399"  # the next rule applies when the chain finds no active agency
