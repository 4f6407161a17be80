"""Until the delivery app (signed sender, retry policy, loopback receivers) is on this branch: a
plain POST over real HTTP, a quick retry rule with the same verdicts, and a receiver on loopback
that answers as told. The subscription push is written against exactly these interfaces."""

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from geo.server import free_port


@dataclass(frozen=True)
class Outcome:
    status: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        return self.error or f"HTTP {self.status}"


def send(url: str, secret: str, body: dict, delivery_id: str) -> Outcome:
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "X-Delivery-Id": delivery_id, "X-Delivery-Kind": "changes"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=5) as reply:
            return Outcome(reply.status)
    except urllib.error.HTTPError as err:
        return Outcome(err.code)
    except OSError as exc:
        return Outcome(error=f"cannot connect: {exc}")


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str = ""
    message: str = ""
    next_attempt_at: datetime | None = None


class QuickPolicy:
    """408, 429, 5xx and no answer are retried 50 ms later, up to 10 attempts; other answers are final."""

    def judge(self, outcome, *, attempt: int, window_start: datetime, now: datetime) -> Decision:
        if outcome.ok:
            return Decision("delivered")
        if outcome.status is None or outcome.status in (408, 429) or outcome.status >= 500:
            if attempt >= 10:
                return Decision("dead", "expired", outcome.describe())
            return Decision("retry", "", outcome.describe(), now + timedelta(milliseconds=50))
        return Decision("dead", "rejected", outcome.describe())


class Receiver:
    """Records every POST; `answer(request_number)` says which status to give."""

    def __init__(self, answer=lambda n: 200):
        self.answer, self.received, self.lock = answer, [], threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.answer(len(receiver.received))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list:
        with self.lock:
            return [json.loads(body) for _, body in self.received]
