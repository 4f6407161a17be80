"""The client's address, settled once per request: the peer itself, or the address a trusted
front (nginx) reports in X-Real-IP. Forwarding headers from anyone else are dropped, so a client
cannot pick the address its per-IP limit is counted under."""

import ipaddress
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def _trusted() -> tuple[bool, list[IPv4Network | IPv6Network]]:
    unix = "unix" in settings.GEO_TRUSTED_PROXIES
    networks = [ipaddress.ip_network(p, strict=False) for p in settings.GEO_TRUSTED_PROXIES if p != "unix"]
    return unix, networks


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class ClientAddress:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.unix, self.networks = _trusted()

    def is_trusted(self, peer: str) -> bool:
        if not peer:  # gunicorn reports a Unix-socket peer as an empty address
            return self.unix
        address = _address(peer)
        return address is not None and any(address in net for net in self.networks)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        forwarded = _address(meta.get("HTTP_X_REAL_IP", "")) if self.is_trusted(peer) else None
        meta["REMOTE_ADDR"] = str(forwarded) if forwarded else peer
        for header in ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR"):
            meta.pop(header, None)
        return self.get_response(request)
