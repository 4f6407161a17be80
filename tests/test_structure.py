"""The layers contract (pyproject.toml [tool.importlinter]: today's known arrows back up listed as
ignored, so a new one fails) and the structure command's reading of a graph (make structure)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def structure():
    spec = importlib.util.spec_from_file_location("structure", ROOT / "scripts" / "structure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_runs_back_up_the_layers_beyond_the_known_ones():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--cache-dir", "var/import-linter-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_the_structure_command_finds_circles_and_arrows_back_up():
    s = structure()
    graph = {
        "complaints.intake": {"delivery.outbox", "routing.live"},
        "delivery.outbox": {"delivery.payload"},
        "delivery.payload": {"complaints.intake", "api.views"},
        "api.views": {"open311.render", "params"},
        "open311.render": set(),
        "routing.live": set(),
        "params": set(),
        "geo.urls": {"api.views"},  # project wiring: no layer
    }
    assert s.circles(graph) == [["complaints.intake", "delivery.outbox", "delivery.payload"]]
    loop = s.shortest_loop(graph, ["complaints.intake", "delivery.outbox", "delivery.payload"])
    assert loop == ["complaints.intake", "delivery.outbox", "delivery.payload", "complaints.intake"]
    up, sideways = s.arrows_back_up(graph)
    assert up == [("complaints.intake", "delivery.outbox"), ("delivery.payload", "api.views")]
    assert sideways == [("api.views", "open311.render")]


def test_the_structure_command_prints_its_summary():
    result = subprocess.run(
        [sys.executable, "scripts/structure.py", "--brief"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert lines == [
        "modules",
        "circles",
        "arrows back up the layers",
        "arrows between fronts",
        "imports inside functions",
    ]


def test_the_project_has_no_import_circle():
    """Issue #23 removed the last three (ogc's providers, routing.rules' caches, the complaint and
    photo views): a new circle fails here, with the modules in it."""
    s = structure()
    assert s.circles(s.edges(s.build_graph())) == []
