"""Access rules that do not need a live server: keys are hashed and revocable; public read is a setting."""

import pytest
from django.test import Client, override_settings

from access.models import IntakeKey, digest


@pytest.mark.django_db
def test_keys_are_stored_hashed_and_can_be_revoked():
    record, key = IntakeKey.objects.issue("call-centre")
    assert key.startswith("gk_") and len(key) > 40
    assert record.key_hash == digest(key) and key not in (record.key_hash, record.prefix)
    assert IntakeKey.objects.lookup(key) == record
    record.revoke()
    assert IntakeKey.objects.lookup(key) is None


@pytest.mark.django_db
def test_public_read_is_a_setting():
    client = Client()
    assert client.get("/api/v1/complaints").status_code == 200
    with override_settings(GEO_PUBLIC_READ=False):
        closed = client.get("/api/v1/complaints")
        assert closed.status_code in (401, 403) and closed.json()["error"]["code"] in (
            "not_authenticated",
            "permission_denied",
        )
        _, key = IntakeKey.objects.issue("dashboard")
        assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
