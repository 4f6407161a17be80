"""Fixtures shared by the layer tests: the lighter rendition prepared once in the test database."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def prepared_layers(thailand, django_db_blocker):
    """`manage.py prepare_layers` on the test database (kept by --reuse-db, like Thailand itself)."""
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("prepare_layers", stdout=out)
        return out.getvalue()
