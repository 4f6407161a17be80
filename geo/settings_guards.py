"""Settings for password guessing (imported at the end of geo/settings.py).

Staff Basic auth, the admin login and the workspace sign-in go through django-axes: failures are
counted in the database (shared by every process and node) and, past a limit, refused before the
password is hashed (PBKDF2 costs about 0.3 s of CPU per guess). The limit holds per (account,
address), with a higher ceiling per address across accounts (access/lockout.py), so nobody can
lock an officer out from elsewhere, nor everyone behind an address by guessing one account.
"""

import os
from datetime import timedelta

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "access.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("GEO_LOGIN_FAILURES", "10"))
# Failures from one address on any accounts before the address is refused for all of them.
GEO_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("GEO_LOGIN_FAILURES_PER_ADDRESS", str(3 * AXES_FAILURE_LIMIT)))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GEO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# Guesses during a lockout are refused without being recorded: each costs one read, not a write.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address: REMOTE_ADDR as access.client.ClientAddress settled it (the peer, or what
# the trusted front reports); forwarding headers are not read here.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# The officers' sign-in page answers a lockout with a page of its own (workspace/signin.py).
AXES_LOCKOUT_CALLABLE = "workspace.signin.lockout"
