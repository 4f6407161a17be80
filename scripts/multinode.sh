#!/usr/bin/env bash
# The multi-node layout on loopback: scripts/multinode.sh start|stop|status (scripts/multinode/).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m scripts.multinode "$@"
