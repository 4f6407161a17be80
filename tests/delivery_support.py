"""What the delivery tests share (tests/test_delivery.py, tests/test_delivery_channels.py): the
committed test database the worker processes read, four places routed to four agencies, wiring an
agency's channels and putting them back, filing, waiting."""

import time
import uuid
from collections import defaultdict
from urllib.parse import quote

import pytest
from django.db import connection

from complaints import commands, intake
from complaints.actors import Actor
from complaints.models import Complaint
from delivery.models import HELD, QUEUED, AgencyDelivery, Delivery
from routing import live
from routing.models import Agency

from .receivers import Receiver, small_matcher

# Four places whose complaints four different agencies receive.
PLACES = [
    (100.0997, 17.6201, "flooding"),  # Uttaradit town municipality
    (100.06, 17.55, "flooding"),  # Thung Yang subdistrict municipality
    (100.5018, 13.7563, "street_light"),  # Phra Nakhon public works (Bangkok)
    (100.5018, 13.7563, "cleanliness"),  # Phra Nakhon cleanliness (Bangkok)
]


TEST_ACTOR = Actor("operator", "test")


@pytest.fixture(scope="module")
def database_url(thailand, agencies, django_db_blocker):
    settings_dict = connection.settings_dict
    host = quote(settings_dict["HOST"], safe="")
    return f"postgis://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def matcher(thailand, django_db_blocker):
    with django_db_blocker.unblock():
        return small_matcher(thailand.id)


@pytest.fixture
def db(django_db_blocker, matcher, agencies):
    """Committed work on the test database (the workers are other processes); the agencies'
    channels and every queued delivery and job are put back afterwards."""
    with django_db_blocker.unblock():
        yield matcher
        for agency_id, row in WIRED.items():
            Agency.objects.filter(id=agency_id).update(**row)
        WIRED.clear()
        # Other modules count complaints by area: what these tests filed goes (deliveries with it).
        Complaint.objects.filter(client_ticket_id__startswith=f"{RUN}-").delete()
        AgencyDelivery.objects.update(paused=False, paused_at=None, paused_by="", problems={})
        Delivery.objects.filter(state__in=(*QUEUED, HELD)).update(state="withdrawn")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")


def agencies_of(matcher) -> list[Agency]:
    found = []
    for lon, lat, category in PLACES:
        complaint_fields = intake._route(matcher, live.directory.current(), lon, lat, (category,))
        found.append(complaint_fields["agency"])
    assert len({a.code for a in found}) == len(PLACES), [a.code for a in found]
    return found


RUN = uuid.uuid4().hex[:8]  # committed rows outlive a --reuse-db run: ticket ids unique per run
WIRED: dict[int, dict] = {}  # agency id -> its channels before a test changed them


def wire(agency: Agency, **channels) -> Agency:
    values = {"webhook_url": "", "open311_endpoint": "", "email": "", **channels}
    WIRED.setdefault(agency.id, {k: getattr(agency, k) for k in values})
    Agency.objects.filter(id=agency.id).update(**values)
    for name, value in values.items():
        setattr(agency, name, value)
    intake._per_version["version"] = None  # the filing code's cached rows: read the new channels
    return agency


def file(matcher, place, n: int, tag: str, **extra):
    lon, lat, category = place
    extra.setdefault("description", f"{tag} {n}")
    filing = intake.Filing(lon=lon, lat=lat, categories=(category,), client_ticket_id=f"{RUN}-{tag}-{n}", **extra)
    complaint, created = commands.file(filing, matcher=matcher, directory=live.directory.current())
    assert created
    return complaint


def wait_for(condition, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def states(**filters) -> dict:
    counts: defaultdict[str, int] = defaultdict(int)
    for state in Delivery.objects.filter(**filters).values_list("state", flat=True):
        counts[state] += 1
    return dict(counts)


def first_receipts(receiver: Receiver) -> tuple[dict, int]:
    """delivery id -> complaint id, in the order they first arrived; and how many repeats."""
    seen, repeats = {}, 0
    for body in receiver.bodies():
        if body["delivery_id"] in seen:
            repeats += 1
        else:
            seen[body["delivery_id"]] = body["complaint"]["id"]
    return seen, repeats
