"""Tiny real-HTTP client for tests (urllib: no fake transport)."""

import json
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
