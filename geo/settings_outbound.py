"""Outbound requests (docs/delivery.md#outbound): where they may go, and how many one tenant may
have on the wire at once."""

import os

# Networks outbound requests may reach although they are not public (loopback, private...):
# comma-separated, e.g. "10.20.0.0/24,127.0.0.1/32". Every outbound request, subscriptions
# included, may then reach them: allow-list the narrowest network that serves the purpose.
GEO_OUTBOUND_ALLOW = [n.strip() for n in os.environ.get("GEO_OUTBOUND_ALLOW", "").split(",") if n.strip()]
# At most this many requests on the wire at once per intake key (its subscriptions) and per agency
# (its webhook and Open311 senders), across every worker; a job over it is queued again after
# about GEO_OUTBOUND_REQUEUE_S seconds instead of holding a worker. 0: no limit.
GEO_OUTBOUND_PER_TENANT = int(os.environ.get("GEO_OUTBOUND_PER_TENANT", "2"))
GEO_OUTBOUND_REQUEUE_S = float(os.environ.get("GEO_OUTBOUND_REQUEUE_S", "1"))
