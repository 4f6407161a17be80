"""Run procrastinate workers and keep them running: a worker that exits (the database restarted
under it, a crash, a SIGKILL) is started again. SIGTERM/SIGINT stop them all gracefully."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

RESTART_DELAY_S = (0.5, 30.0)  # first and longest pause before starting a worker that exited


class Command(BaseCommand):
    help = "Run the background workers (procrastinate: every app's jobs) and restart any that exits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--processes", type=int, default=int(os.environ.get("GEO_DELIVERY_PROCESSES", "1")))
        parser.add_argument(
            "--concurrency",
            type=int,
            default=int(os.environ.get("GEO_DELIVERY_CONCURRENCY", "16")),
            help="jobs at once per process (threads: a slow receiver holds one, not the process)",
        )
        parser.add_argument("--pidfile", help="write this process's id here (make stop reads it)")
        parser.add_argument(
            "--exit-with-parent", action="store_true", help="stop when the process that started this one is gone"
        )

    def handle(
        self, processes: int, concurrency: int, pidfile: str | None, exit_with_parent: bool = False, **options: Any
    ) -> None:
        parent = os.getppid()
        if pidfile:
            Path(pidfile).write_text(str(os.getpid()))
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "procrastinate",
            "worker",
            "--concurrency",
            str(concurrency),
        ]
        workers: dict[int, subprocess.Popen] = {}
        started: dict[int, float] = {}  # when each slot's worker was started
        delays: dict[int, float] = {}
        try:
            while not stopping:
                if exit_with_parent and os.getppid() != parent:
                    break  # a test run killed outright must not leave workers behind
                for slot in range(processes):
                    process = workers.get(slot)
                    if process is not None and process.poll() is None:
                        continue
                    if process is not None:
                        self.stderr.write(f"worker {process.pid} exited with {process.returncode}; starting another")
                        delays[slot] = min(delays.get(slot, RESTART_DELAY_S[0] / 2) * 2, RESTART_DELAY_S[1])
                        time.sleep(delays[slot])
                        if stopping:
                            break
                    workers[slot] = subprocess.Popen(command, start_new_session=True)
                    started[slot] = time.monotonic()
                for slot, process in workers.items():
                    # A worker that ran a while before exiting is restarted at once next time.
                    if process.poll() is None and time.monotonic() - started[slot] > 60:
                        delays.pop(slot, None)
                time.sleep(0.2)
        finally:
            for process in workers.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in workers.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            if pidfile:
                Path(pidfile).unlink(missing_ok=True)
