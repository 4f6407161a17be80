"""Tiny real-HTTP client for tests (urllib: no fake transport)."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", data=None, headers=None, timeout: float = 60) -> Reply:
    payload = None
    headers = dict(headers or {})
    if data is not None:
        if isinstance(data, (bytes, str)):
            payload = data.encode() if isinstance(data, str) else data
        else:
            payload = json.dumps(data).encode()
            headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=payload, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def get(url: str, **kwargs) -> Reply:
    return request(url, **kwargs)


def post(url: str, data, **kwargs) -> Reply:
    return request(url, method="POST", data=data, **kwargs)


def answer_of_active_generation(url, body, django_db_blocker):
    """The answer once the server serves the active generation: other modules activate copies of
    the country, and the shared server swaps its matcher within a poll or two of the switch."""
    from boundaries.models import Generation

    with django_db_blocker.unblock():
        active = Generation.objects.get(layer="admin", active=True).id
    deadline = time.monotonic() + 120
    while True:
        reply = post(url, body)
        if reply.status != 200 or reply.json()["generation"] == active or time.monotonic() > deadline:
            return reply, active
        time.sleep(0.5)
