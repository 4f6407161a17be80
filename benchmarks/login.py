"""What a password guess costs the server, before and during a django-axes lockout: staff Basic
auth over HTTP against gunicorn (one worker), a throwaway account, medians of each phase.

    .venv/bin/python benchmarks/login.py [--guesses 40]
"""

import argparse
import base64
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from axes.models import AccessAttempt  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402

from geo.server import Gunicorn  # noqa: E402

USER = "bench-login-victim"


def guess(base: str, password: str) -> tuple[int, float]:
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(
        base + "/api/v1/complaints/999999999/transitions", data=b'{"action": "start"}', headers=headers
    )
    started = time.perf_counter()
    try:
        urllib.request.urlopen(req).read()
        status = 200
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    return status, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--guesses", type=int, default=40)
    args = parser.parse_args()
    User.objects.filter(username=USER).delete()
    User.objects.create_user(USER, password="the-right-one")
    AccessAttempt.objects.filter(username=USER).delete()
    limit = str(args.guesses + 1)  # every guess of the first phase is checked, the next one locks
    try:
        with Gunicorn(workers=1, extra_env={"GEO_LOGIN_FAILURES": limit}) as server:
            checked = [guess(server.base, f"wrong-{i}") for i in range(args.guesses)]
            guess(server.base, "the-one-that-locks")
            locked = [guess(server.base, f"locked-{i}") for i in range(args.guesses)]
    finally:
        AccessAttempt.objects.filter(username=USER).delete()
        User.objects.filter(username=USER).delete()
    before = statistics.median(t for _, t in checked) * 1000
    during = statistics.median(t for _, t in locked) * 1000
    print(
        f"{args.guesses} guesses each; statuses {sorted({s for s, _ in checked})} then {sorted({s for s, _ in locked})}"
    )
    print(f"password checked (PBKDF2): median {before:.1f} ms per guess")
    print(f"locked out (refused before hashing): median {during:.1f} ms per guess ({before / during:.0f}x cheaper)")


if __name__ == "__main__":
    main()
