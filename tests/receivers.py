"""For the delivery tests: real receivers on loopback (an HTTP server that records what it gets and
answers as told, an SMTP server with aiosmtpd; the workers reach them over TCP), and a matcher over
the two provinces the tests file in."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from geo.server import free_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


def ok(received):
    return 200, {}, b'{"ok": true}'


class Receiver:
    """respond(received) -> (status, headers, body). stop() closes the port (connections refused);
    start() opens the same port again."""

    def __init__(self, respond=ok, keep_alive: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.respond = respond
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.keep_alive = keep_alive
        self.server = None

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, headers, answer = receiver.respond(got)
                with receiver.lock:
                    receiver.received.append(got)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def bodies(self, path_prefix: str = "") -> list:
        with self.lock:
            return [r.json() for r in self.received if r.path.startswith(path_prefix) and r.method == "POST"]

    def query(self, r: Received) -> dict:
        return {k: v[0] for k, v in parse_qs(urlsplit(r.path).query).items()}


class Mailbox:
    """aiosmtpd on loopback, in its own thread, keeping every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mailbox.messages.append(envelope)
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def small_matcher(generation_id: int):
    """A matcher over Bangkok and Uttaradit only: a fraction of the national one's memory, on a
    machine that other test runs share."""
    import shapely
    from django.db import connection

    from boundaries.models import ADMIN_LEVELS
    from routing.engine.level import DEFAULT_CELL_DEG, LevelIndex
    from routing.engine.matcher import CELL_BY_LEVEL, Matcher

    levels = []
    with connection.cursor() as cursor:
        for level in ADMIN_LEVELS:
            cursor.execute(
                "SELECT code, name_th, name_en, parent_code, ST_AsBinary(geom) FROM boundaries_boundary"
                " WHERE generation_id = %s AND level = %s AND (code LIKE '10%%' OR code LIKE '53%%') ORDER BY code",
                [generation_id, str(level)],
            )
            rows = cursor.fetchall()
            codes, names_th, names_en, parents, wkb = zip(*rows)
            geoms = shapely.from_wkb([bytes(w) for w in wkb])
            cell = CELL_BY_LEVEL.get(str(level), DEFAULT_CELL_DEG)
            levels.append(LevelIndex(str(level), generation_id, codes, names_th, names_en, parents, geoms, cell=cell))
    return Matcher(levels, {"admin": generation_id})
