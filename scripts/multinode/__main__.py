"""python -m scripts.multinode start|stop|status [--folder var/multinode] [--nodes 2] [--source DSN]
[--province 10]: the multi-node layout on loopback (docs/operations.md#more-than-one-machine)."""

import argparse
import json
import os
from pathlib import Path

from .layout import ROOT, Layout


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/multinode.sh")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--folder", default=str(ROOT / "var" / "multinode"))
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="app workers per node")
    parser.add_argument("--read-workers", type=int, default=1, help="reads workers per node")
    parser.add_argument("--no-replica", action="store_true")
    parser.add_argument(
        "--source",
        default=f"host={ROOT / 'var' / 'pg' / 'run'} port={os.environ.get('GEO_PGPORT', '54329')} user=geo dbname=geo",
        help="a loaded database (libpq DSN) to copy the active boundaries and the routing directory from",
    )
    parser.add_argument("--province", default="", help="copy one province's boundaries only (e.g. 10, Bangkok)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
    fresh = args.action == "start"  # stop and status: the layout as it was started
    layout = Layout(
        Path(args.folder), args.nodes, args.workers, args.read_workers, not args.no_replica, saved=not fresh
    )
    if args.action == "start":
        times = layout.start(args.source, args.province)
        print("multinode: seconds per step:", json.dumps(times))
    elif args.action == "stop":
        layout.stop()
        print("multinode: stopped")
    else:
        parts = layout.parts()
        memory = layout.memory_mb()
        print(json.dumps({part: {"processes": len(pids), "pss_mb": memory[part]} for part, pids in parts.items()},
                         indent=1))  # fmt: skip
        if not all(parts.values()):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
