"""Outgoing HTTP for every channel and for subscriptions: through the outbound guard (public
addresses only, checked on the address connected to: geo/http/outbound.py), short timeouts and a
total time per request, the answer read up to a cap, and every failure turned into an Outcome
(never an exception), so one broken receiver cannot stop a worker."""

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from geo.http import outbound

from .clock import now
from .outcome import REFUSED, TIMEOUT, UNREACHABLE, Outcome, http_class
from .policy import parse_retry_after

USER_AGENT = "thai-complaint-router/1 (+deliveries)"
MAX_ANSWER = 1024 * 1024  # bytes of an answer read at most (a status pull's page is far less)
DETAIL_CHARS = 300  # of a refused answer's text, kept for operators
_client = None


@dataclass(frozen=True)
class Answer:
    """What the receiver answered, read in full up to MAX_ANSWER."""

    status_code: int
    headers: httpx.Headers
    content: bytes = b""
    truncated: bool = field(default=False)

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def total_s() -> float:
    """The most one request may take, connecting included."""
    return settings.GEO_DELIVERY_CONNECT_TIMEOUT_S + settings.GEO_DELIVERY_TIMEOUT_S


def client() -> httpx.Client:
    # One pooled client per process (thread-safe): keep-alive to busy receivers, no redirects
    # (a receiver that moved is a configuration to fix, not a hop to take with signed data).
    global _client
    if _client is None:
        _client = httpx.Client(
            timeout=httpx.Timeout(settings.GEO_DELIVERY_TIMEOUT_S, connect=settings.GEO_DELIVERY_CONNECT_TIMEOUT_S),
            follow_redirects=False,
            # Answers uncompressed: what is read is what is counted against MAX_ANSWER.
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            transport=outbound.GuardedTransport(httpx.Limits(max_connections=200, max_keepalive_connections=50)),
            trust_env=False,
        )
    return _client


def request(method: str, url: str, **kwargs: Any) -> tuple[Outcome, Answer | None]:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    def failed(error: str, detail: str, **more: Any) -> tuple[Outcome, None]:
        return Outcome(error=error, detail=detail[:1000], duration_ms=took(), **more), None

    try:
        outbound.check_url(url)
        with outbound.deadline(total_s()), client().stream(method, url, **kwargs) as response:
            answer = _read(response)
    except outbound.Refused as exc:
        # Not retried: the same URL would be refused again (an operator fixes it, or allow-lists).
        return failed(REFUSED, f"refused ({exc.rule}): {exc.message}", transient=False, config_problem=True)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return failed("malformed URL", str(exc), transient=False, config_problem=True)
    except httpx.TimeoutException as exc:
        return failed(TIMEOUT, f"{type(exc).__name__}: {exc}")
    except httpx.HTTPError as exc:  # refused, reset, closed mid-answer, TLS, protocol errors
        return failed(UNREACHABLE, f"{type(exc).__name__}: {exc}")
    status = answer.status_code
    error = detail = ""
    config = status in (401, 403)
    if 300 <= status < 400:
        config = True
        error = http_class(status)  # final: a redirect is a URL to correct, not a hop to take
        detail = f"HTTP {status} redirect to {answer.headers.get('location', '?')}: configure the final URL"
    elif not (200 <= status < 300):
        detail = f"HTTP {status}: {answer.text[:DETAIL_CHARS]}"
    outcome = Outcome(
        status=status,
        error=error,
        transient=False,
        retry_after=parse_retry_after(answer.headers.get("retry-after"), now()),
        duration_ms=took(),
        config_problem=config,
        detail=detail,
    )
    return outcome, answer


def _read(response: httpx.Response) -> Answer:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER:  # the rest is left unread: the connection is closed, not reused
            return Answer(response.status_code, response.headers, bytes(body[:MAX_ANSWER]), truncated=True)
    return Answer(response.status_code, response.headers, bytes(body))
