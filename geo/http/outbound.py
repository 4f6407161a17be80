"""Where outbound requests may go (callbacks, webhooks, Open311 forwards, status pulls): public
addresses only, on web ports, without credentials in the URL, unless an operator allow-lists a
network (GEO_OUTBOUND_ALLOW). Protocol-neutral: it knows URLs and addresses, not who sends.

The check is made on the address actually connected to: the transport below resolves the name
once, checks every address it resolves to, and connects to that checked address itself (the Host
header and TLS name stay the URL's), so a name that resolves elsewhere later (DNS rebinding) and
every spelling of an address (2130706433, 0x7f.1, 0177.0.0.1, 127.1, [::ffff:127.0.0.1]) meet the
same rules. Registration (check_destination) applies the same rules ahead, to answer 400 early.
No maintained library does this for httpx (advocate wraps requests and is unmaintained).
"""

import concurrent.futures
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import certifi
import httpcore
import httpx
from django.conf import settings
from httpcore._backends.sync import SyncStream  # httpcore's own stream over a connected socket (pinned)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ports of services that answer on a network and should never receive a POST from here: this
# deployment's database and Redis (settings), and well-known databases, caches, brokers and
# cluster APIs. Below 1024 only 80 and 443 (the others are system services).
INTERNAL_PORTS = frozenset(
    {1433, 1521, 2181, 2375, 2376, 2379, 2380, 3306, 4369, 5432, 5672, 5984, 6379, 6443, 8500}
    | {9042, 9092, 9200, 9300, 10250, 11211, 15672, 25565, 27017, 28017}
)
WEB_PORTS = frozenset({80, 443})
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
COMPAT = ipaddress.ip_network("::/96")  # IPv4-compatible IPv6 (deprecated; reaches the IPv4 host)
EMBEDDING = [ipaddress.ip_network(n) for n in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32")]

RULES = {
    "scheme": "only http and https URLs",
    "credentials": "no user name or password in the URL",
    "host": "a host is required",
    "port": "ports 80, 443 and 1024-65535 only, less well-known internal services' ports",
    "unresolvable": "the host name does not resolve",
    "unspecified": "an unspecified address (0.0.0.0, ::)",
    "loopback": "a loopback address (this machine)",
    "link_local": "a link-local address (169.254.0.0/16, fe80::/10: cloud metadata among them)",
    "multicast": "a multicast address",
    "shared": "a carrier-grade NAT address (100.64.0.0/10)",
    "private": "a private network address",
    "reserved": "a reserved address",
    "ipv4_mapped": "an IPv4-mapped or IPv4-compatible IPv6 address",
    "ipv4_embedded": "an IPv6 address that embeds an IPv4 one (6to4, NAT64, Teredo)",
    "not_global": "an address that is not publicly routable",
}


class Refused(Exception):
    """The destination breaks a rule: `rule` is its name (RULES), `message` says why in full."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule, self.message = rule, message


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "GEO_OUTBOUND_ALLOW", [])]


def address_rule(ip: Address) -> str | None:
    """The rule an address breaks, or None when it may be connected to."""
    if any(ip.version == net.version and ip in net for net in allowed_networks()):
        return None
    checks = [
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("ipv4_mapped", ip.version == 6 and (ip.ipv4_mapped is not None or ip in COMPAT)),
        ("ipv4_embedded", ip.version == 6 and any(ip in net for net in EMBEDDING)),
        ("link_local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared", ip.version == 4 and ip in SHARED),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not_global", not ip.is_global),
    ]
    return next((rule for rule, broken in checks if broken), None)


def own_ports() -> set[int]:
    """This deployment's own network services: never a destination, even on an allowed network."""
    ports = set()
    for database in settings.DATABASES.values():
        if str(database.get("PORT") or "").isdigit():
            ports.add(int(database["PORT"]))
    default: Any = settings.CACHES.get("default") or {}
    location = str(default.get("LOCATION", ""))
    if location.startswith(("redis://", "rediss://")):
        ports.add(httpx.URL(location).port or 6379)
    return ports


def check_url(url: object) -> httpx.URL:
    """The URL's own rules (scheme, credentials, host, port), before any name is resolved."""
    if not isinstance(url, str):
        raise Refused("scheme", RULES["scheme"])
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise Refused("host", f"not a usable URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise Refused("scheme", RULES["scheme"])
    if parsed.userinfo:
        raise Refused("credentials", RULES["credentials"])
    if not parsed.host:
        raise Refused("host", RULES["host"])
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if port not in WEB_PORTS and (port < 1024 or port > 65535 or port in INTERNAL_PORTS or port in own_ports()):
        raise Refused("port", f"port {port}: {RULES['port']}")
    return parsed


_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="outbound-dns")


def resolve(host: str, port: int, timeout: float) -> list[tuple[int, tuple]]:
    """Every (family, sockaddr) the host resolves to, within `timeout` seconds."""
    lookup = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        found = lookup.result(timeout=max(timeout, 0.01))
    except concurrent.futures.TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} took over {timeout:.1f} s") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused("unresolvable", f"{host}: {RULES['unresolvable']} ({exc})") from None
    return [(family, sockaddr) for family, _, _, _, sockaddr in found]


def checked(host: str, port: int, timeout: float) -> list[tuple[int, tuple]]:
    """The addresses to connect to; Refused if any of them breaks a rule (a name that resolves to
    one public and one internal address is refused as a whole)."""
    addresses = resolve(host, port, timeout)
    for _, sockaddr in addresses:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        rule = address_rule(ip)
        if rule is not None:
            shown = f"{host} is" if _literal(host) == ip else f"{host} resolves to {ip},"
            raise Refused(rule, f"{shown} {RULES[rule]}; outbound requests go to public addresses only")
    return addresses


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_destination(url: object, timeout: float = 3.0) -> str:
    """The whole check, as at send time: for registrations. Returns the URL as given."""
    parsed = check_url(url)
    try:
        checked(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80), timeout)
    except httpcore.ConnectTimeout:
        raise Refused("unresolvable", f"{parsed.host}: did not resolve within {timeout:.0f} s") from None
    return str(url)


# A total time for one request (connect, send, answer), on top of the per-operation timeouts:
# a receiver that trickles its answer a byte at a time cannot hold a worker past it.
_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None, kind: type[Exception]) -> float | None:
    end = getattr(_local, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise kind("the request's total time ran out")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> object:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Connects to the checked address of the host, never to the name again."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        limit = _bounded(timeout, httpcore.ConnectTimeout)
        failure: Exception = httpcore.ConnectError(f"{host}: no address")
        for family, sockaddr in checked(host, port, limit or 10.0):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                sock.settimeout(_bounded(timeout, httpcore.ConnectTimeout))
                sock.connect(sockaddr)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except TimeoutError as exc:
                sock.close()
                failure = httpcore.ConnectTimeout(str(exc) or "connect timed out")
                continue
            except OSError as exc:
                sock.close()
                failure = httpcore.ConnectError(str(exc))
                continue
            return _Stream(SyncStream(sock))
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through the guard.
    Proxies from the environment are ignored (a proxy would connect in our place, unchecked)."""

    def __init__(self, limits: httpx.Limits):
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )
