"""The layering rules of the house, checked on the code itself."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAIN_PYTHON = [
    "routing.engine.grid",
    "routing.engine.matcher",
    "routing.engine.rings",
    "routing.engine.crossing",
    "routing.engine.store",
    "routing.engine.points",
    "routing.engine.evaluation",
    "routing.rules.records",
    "routing.rules.caches",
    "routing.rules.decisions",
    "routing.rules.responsibility",
    "routing.rules.tambon_xml",
    "routing.rules.escalation",
]


def test_the_engine_and_the_rules_import_no_django():
    script = (
        "import importlib, sys\n"
        f"for name in {PLAIN_PYTHON!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_module_is_over_400_lines():
    """Every .py file of the project: apps, tests, benchmarks, scripts, web/ (not its node_modules)."""
    long = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "var") or "node_modules" in parts or "migrations" in parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > 400:
            long[str(path.relative_to(ROOT))] = lines
    assert long == {}


def test_changes_are_recorded_only_through_the_change_feed():
    """A history entry written any other way would miss who may read it (the feed's audience)."""
    writers = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "var", "web", "tests") or "migrations" in parts or path.name == "changes.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "HistoryEntry.objects.create" in text or "HistoryEntry.objects.bulk_create" in text:
            writers.append(str(path.relative_to(ROOT)))
    assert writers == []
