"""Shared pieces of the workspace tests: two Bangkok agencies' officers, a reader, and complaints
filed at Phra Nakhon (street lights go to its public works, cleanliness to its cleanliness section)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

PHRA_NAKHON = (100.5018, 13.7563)
OURS, THEIRS = "BKK-1001-PW", "BKK-1001-CL"  # street_light -> OURS, cleanliness -> THEIRS
RUN = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def matcher(thailand, django_db_blocker):
    from .receivers import small_matcher

    with django_db_blocker.unblock():
        return small_matcher(thailand.id)


@pytest.fixture(scope="module")
def rules(agencies, django_db_blocker):
    from routing import loaders

    with django_db_blocker.unblock():
        return loaders.load_directory()


def make_user(username, agency_code=None, password=None, **flags):
    from django.contrib.auth.models import User

    from access.models import StaffProfile
    from routing.models import Agency

    # No password unless a test signs in with one: hashing costs a third of a second each.
    user = User.objects.create_user(f"{username}-{RUN}", f"{username}-{RUN}@example.org", password, **flags)
    if agency_code:
        StaffProfile.objects.create(user=user, agency=Agency.objects.get(code=agency_code))
    return user


@pytest.fixture
def people(db, agencies):
    return {
        "officer": make_user("officer", OURS),
        "other": make_user("other", THEIRS),
        "reader": make_user("reader", is_staff=True),
        "nobody": make_user("nobody"),
    }


@pytest.fixture
def file(db, matcher, rules):
    from access.models import IntakeKey
    from complaints import commands, intake

    key, _ = IntakeKey.objects.issue(f"ws-{RUN}")

    def filed(category="street_light", description="ไฟฟ้าดับหน้าวัด", overdue=False, **extra):
        lon, lat = extra.pop("where", PHRA_NAKHON)
        filing = intake.Filing(
            lon=lon,
            lat=lat,
            categories=(category,),
            description=description,
            source=key.name,
            intake_key_id=key.id,
            client_ticket_id=f"T-{uuid.uuid4().hex[:8]}",
            **extra,
        )
        complaint, _ = commands.file(filing, matcher=matcher, directory=rules)
        if overdue:
            from complaints.models import Complaint

            Complaint.objects.filter(id=complaint.id).update(due_at=timezone.now() - timedelta(hours=2))
            complaint.refresh_from_db()
        return complaint

    filed.key = key
    return filed


def signed_in(client, user):
    client.force_login(user)
    return client


def revision_of(complaint):
    complaint.refresh_from_db()
    return complaint.revision
