from rest_framework.throttling import SimpleRateThrottle

from .auth import is_intake


class PerKeyThrottle(SimpleRateThrottle):
    """Per intake system; a key may carry its own rate. Counts are per serving process."""

    scope = "intake_key"

    def allow_request(self, request, view):
        if is_intake(request) and request.user.key.rate:
            self.rate = request.user.key.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not is_intake(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.key.key_hash[:16]}


class PerIPThrottle(SimpleRateThrottle):
    """Anonymous and staff callers per address; an intake system (a call centre behind one NAT
    address, say) is limited by its key instead."""

    scope = "ip"

    def get_cache_key(self, request, view):
        if is_intake(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
