"""A complaint's representations in plain Python (complaints/representations): the staff form has
what the public one leaves out (internal notes, the text as written, deliveries, the merged
reports, the "is it fixed?" answer), and the delivery payload carries the public form."""

from datetime import UTC, datetime

import pytest

from access.models import IntakeKey
from complaints import commands, intake, merging
from complaints.actors import Actor
from complaints.models import Complaint
from complaints.representations import NotTheirs, delivery_payload, open311_request, public, staff
from routing import loaders
from routing.models import Agency

pytestmark = pytest.mark.django_db

UTTARADIT = (100.0997, 17.6201)  # Uttaradit Town Municipality: 5399
NOTE = "โทรหาผู้แจ้งแล้ว นัดซ่อมพรุ่งนี้ 089-111-2233"
CLERK = Actor("staff", "somsri", "5399")


@pytest.fixture(scope="module")
def directory(agencies, django_db_blocker):
    with django_db_blocker.unblock():
        return loaders.load_directory()


@pytest.fixture
def filed(national_matcher, directory):
    key, _ = IntakeKey.objects.issue("representations-test")

    def make(description="ไฟดับ โทร 081-234-5678"):
        lon, lat = UTTARADIT
        filing = intake.Filing(
            lon=lon,
            lat=lat,
            categories=("street_light",),
            description=description,
            reporter_contact="081-234-5678",
            intake_key_id=key.id,
        )
        complaint, _ = intake.file(filing, matcher=national_matcher, directory=directory)
        return complaint

    return make


def fresh(complaint) -> Complaint:
    return Complaint.objects.select_related("agency", "escalated_to").get(id=complaint.id)


def test_an_internal_note_is_in_the_staff_form_only(filed):
    complaint = filed()
    commands.note(complaint.id, actor=CLERK, text=NOTE)
    complaint = fresh(complaint)
    for verbatim in (False, True):
        events = [h["event"] for h in public(complaint, with_history=True, verbatim=verbatim)["history"]]
        assert events == ["created"]
    own = staff(complaint, agency_code="5399")
    assert [h["event"] for h in own["history"]] == ["created", "internal_note"]
    assert own["history"][1]["note"] == NOTE  # as written, the phone number too
    assert own["history"][1]["actor"] == {"role": "staff", "agency": "5399", "name": "somsri (5399)"}
    assert own["description"] == "ไฟดับ โทร 081-234-5678"
    assert public(complaint)["description"] == "ไฟดับ โทร [phone hidden]"
    assert NOTE not in str(open311_request(complaint, {}, {}, verbatim=True))
    assert "081-234-5678" not in str(public(complaint, with_history=True))


def test_the_staff_form_carries_deliveries_reports_and_the_confirmation(filed):
    complaint = filed()
    own = staff(fresh(complaint), agency_code="5399")
    assert own["confirmation"] is None and own["reports"] == []
    assert [d["complaint"] for d in own["deliveries"]] == [complaint.id] * len(own["deliveries"])
    report = filed("อีกเรื่อง ไฟดับเหมือนกัน")
    merging.merge(report.id, complaint.id, actor=CLERK)
    intake.move(complaint.id, "start", actor=CLERK)
    intake.move(complaint.id, "finish", actor=CLERK)
    own = staff(fresh(complaint), agency_code="5399")
    assert own["reports"] == [report.id]
    answer = own["confirmation"]
    assert (answer["complaint_id"], answer["fixed"], answer["rating"], answer["answered_at"]) == (
        complaint.id,
        None,
        None,
        None,
    )
    extra = set(own) - set(public(fresh(complaint), with_history=True))
    assert extra == {"revision", "reports", "deliveries", "confirmation"}
    assert own["revision"] == fresh(complaint).revision > 0


def test_another_agency_does_not_get_the_staff_form_and_an_operator_does(filed):
    complaint = fresh(filed())
    with pytest.raises(NotTheirs):
        staff(complaint, agency_code="PEA")
    assert staff(complaint, agency_code=None)["id"] == complaint.id


def test_the_delivery_payload_carries_the_public_form_and_the_decision(filed):
    complaint = fresh(filed())
    agency = Agency.objects.get(code="5399")
    moment = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    sent = delivery_payload(complaint, agency, kind="new", delivery_id="d-1", scheduled_at=moment, note="")
    assert sent["complaint"] == public(complaint)
    assert sent["sent_to"] == {"code": "5399", "name_th": agency.name_th, "name_en": agency.name_en}
    assert sent["decision"]["agency"]["code"] == "5399" and sent["note"] is None
    assert sent["scheduled_at"] == "2026-12-07T09:30:00+00:00"
    assert sent["links"]["open311"].endswith(f"/open311/v2/requests/{complaint.id}.json")
    assert "081-234-5678" not in str(sent)
