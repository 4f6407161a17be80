"""Outgoing HTTP for every channel: short timeouts, and every failure turned into an Outcome
(never an exception), so one broken receiver cannot stop a worker."""

import time
from typing import Any

import httpx
from django.conf import settings

from .clock import now
from .outcome import Outcome
from .policy import parse_retry_after

USER_AGENT = "thai-complaint-router/1 (+deliveries)"
_client = None


def client() -> httpx.Client:
    # One pooled client per process (thread-safe): keep-alive to busy receivers, no redirects
    # (a receiver that moved is a configuration to fix, not a hop to take with signed data).
    global _client
    if _client is None:
        _client = httpx.Client(
            timeout=httpx.Timeout(settings.GEO_DELIVERY_TIMEOUT_S, connect=settings.GEO_DELIVERY_CONNECT_TIMEOUT_S),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
    return _client


def request(method: str, url: str, **kwargs: Any) -> tuple[Outcome, httpx.Response | None]:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    if not url.startswith(("http://", "https://")):
        return Outcome(error=f"not an http(s) URL: {url!r}", transient=False, config_problem=True), None
    try:
        response = client().request(method, url, **kwargs)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return Outcome(
            error=f"malformed URL {url!r}: {exc}", transient=False, config_problem=True, duration_ms=took()
        ), None
    except httpx.TimeoutException as exc:
        return Outcome(error=f"timed out: {type(exc).__name__}", duration_ms=took()), None
    except httpx.ConnectError as exc:
        text = str(exc) or type(exc).__name__
        # An unknown host is most likely a typo in the URL: retried, and reported on the agency.
        unknown_host = "Name or service not known" in text or "nodename nor servname" in text
        return Outcome(error=f"cannot connect: {text}", config_problem=unknown_host, duration_ms=took()), None
    except httpx.HTTPError as exc:  # reset, protocol errors, a receiver closing mid-answer
        return Outcome(error=f"{type(exc).__name__}: {exc}", duration_ms=took()), None
    status = response.status_code
    extra = {}
    config = False
    error = ""
    if 300 <= status < 400:
        config = True
        error = f"HTTP {status} redirect to {response.headers.get('location', '?')}: configure the final URL"
    elif status in (401, 403):
        config = True
    if not (200 <= status < 300):
        extra["body"] = response.text[:300]
    outcome = Outcome(
        status=status,
        error=error,
        transient=False,
        retry_after=parse_retry_after(response.headers.get("retry-after"), now()),
        duration_ms=took(),
        config_problem=config,
        details=extra,
    )
    return outcome, response
