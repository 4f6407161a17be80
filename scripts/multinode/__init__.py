"""The layout docs/operations.md describes for more than one machine, run on loopback on this one:
`python -m scripts.multinode start|stop|status` (scripts/multinode.sh). See layout.py."""
