import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent

# The suite's receivers listen on 127.0.0.1: the one non-public network its outbound requests may
# reach (docs/delivery.md#outbound). Here for this process; gunicorn and the workers inherit it.
OUTBOUND_ALLOW = "127.0.0.1/32"
os.environ["GEO_OUTBOUND_ALLOW"] = OUTBOUND_ALLOW
settings.GEO_OUTBOUND_ALLOW = [OUTBOUND_ALLOW]


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb, django_db_createdb):
    """Always a separate test database, even when no selected test carries a django_db mark.

    pytest-django creates one only for the aliases its marked tests name; a run of unmarked tests
    (real-HTTP ones) would otherwise reach the development database.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    keep = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, keepdb=keep, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict["NAME"]
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def thailand(django_db_setup, django_db_blocker):
    """All of Thailand loaded once into the test database (committed, active)."""
    from boundaries.models import Generation

    with django_db_blocker.unblock():
        out = io.StringIO()
        # --if-needed keeps `pytest --reuse-db` runs fast; a fresh test database always loads.
        call_command("load_thailand", "--commit", "--activate", "--if-needed", stdout=out)
        generation = Generation.objects.get(layer="admin", active=True)
        generation.load_output = out.getvalue()
        return generation


@pytest.fixture(scope="session")
def agencies(django_db_setup, django_db_blocker):
    """Local government, agencies, categories and rules seeded once (committed)."""
    from routing.seed import seed

    with django_db_blocker.unblock():
        return seed()


@pytest.fixture(scope="session")
def test_db_url(django_db_setup):
    """The test database as a URL, for servers started as separate processes."""
    from django.db import connection

    settings_dict = connection.settings_dict
    host = quote(settings_dict["HOST"], safe="")
    return f"postgis://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def front_server(thailand, agencies, test_db_url):
    """The service as `make run` serves it (nginx in front, gunicorn with the production
    configuration on a Unix socket, Redis), on a loopback port, serving the test database."""
    from geo.server import Gunicorn

    with Gunicorn(test_db_url, workers=2) as server:
        yield server


@pytest.fixture(scope="session")
def live_api(front_server):
    return front_server.base


@pytest.fixture(scope="module")
def strict_server(thailand, agencies, test_db_url):
    """The same layout with tight limits: 100 rate units a minute per address, 1 ms of database
    time for tiles and statistics; gunicorn also listens on a port of its own, bypassing the
    front (as a misconfigured deployment would expose it). One per test module: stopped when
    the module's tests are done."""
    from geo.server import Gunicorn

    tight = {"GEO_RATE_PER_IP": "100/min", "GEO_TIMEOUT_TILES_MS": "1", "GEO_TIMEOUT_STATS_MS": "1"}
    with Gunicorn(test_db_url, workers=2, read_workers=1, direct=True, extra_env=tight) as server:
        yield server


@pytest.fixture(scope="session")
def national_matcher(thailand, django_db_blocker):
    from routing import loaders

    with django_db_blocker.unblock():
        return loaders.build_matcher({"admin": thailand.id})


@pytest.fixture(scope="session")
def credentials(agencies, django_db_blocker):
    """An intake key and staff accounts of a few agencies, committed for the live server."""
    from django.contrib.auth.models import User

    from access.models import IntakeKey, StaffProfile
    from routing.models import Agency

    with django_db_blocker.unblock():
        _, key = IntakeKey.objects.issue("test-intake")
        _, slow_key = IntakeKey.objects.issue("slow-intake", rate="3/min")
        revoked, revoked_key = IntakeKey.objects.issue("revoked-intake")
        revoked.revoke()
        staff = {}
        for code in ("5399", "PEA", "BKK-1001-PW", "BKK-1001-CL"):
            user, _ = User.objects.get_or_create(username=f"staff-{code}")
            user.set_password("pw-" + code)
            user.save()
            StaffProfile.objects.update_or_create(user=user, defaults={"agency": Agency.objects.get(code=code)})
            staff[code] = (user.username, "pw-" + code)
        return {"key": key, "slow_key": slow_key, "revoked_key": revoked_key, "staff": staff}
