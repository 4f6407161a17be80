"""The import structure of the project, to compare before and after a change (`make structure`):

- circles: groups of modules that import each other round a loop (strongly connected components of
  the module import graph), each with one shortest loop through it;
- arrows back up: imports from a lower layer into a higher one (the layers below), and imports
  between two fronts, which should share only neutral modules;
- imports inside functions, per app: of the project's own modules (often a circle dodged) and of
  other libraries.

Imports inside functions count in the graph too (an import is an import wherever it is written)."""

import argparse
import ast
import sys
from collections import Counter, deque
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "access",
    "api",
    "boundaries",
    "complaints",
    "delivery",
    "fronts",
    "geo",
    "ogc",
    "ops",
    "open311",
    "oversight",
    "params",
    "photos",
    "routing",
    "subscriptions",
    "web",
    "workspace",
]
# Lowest first. geo's other modules (settings, urls, WSGI, the servers) wire the whole project: no layer.
LAYERS = [
    ("neutral", {"params", "geo.jobs", "geo.http"}),
    ("base", {"routing", "boundaries", "access"}),
    ("complaints", {"complaints"}),
    ("consequences", {"delivery", "subscriptions", "photos"}),
    ("shared by the fronts", {"fronts"}),
    ("fronts", {"api", "open311", "ogc", "web", "workspace", "oversight"}),
    ("operations", {"ops"}),
]
FRONTS = LAYERS[5][1]


def layer_of(module: str) -> int | None:
    found = None
    for rank, (_, names) in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (found is None or len(name) > found[1]):
                found = (rank, len(name))
    return None if found is None else found[0]


def app_of(module: str) -> str:
    return module.split(".")[0]


def build_graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    present = [p for p in PACKAGES if (ROOT / p / "__init__.py").exists()]
    return grimp.build_graph(*present, include_external_packages=False, cache_dir=None)


def edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}


def circles(out: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in out:
        if start in index:
            continue
        work = [(start, iter(sorted(out[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(out.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found, key=lambda c: (-len(c), c))


def shortest_loop(out: dict[str, set[str]], members: list[str]) -> list[str]:
    """One shortest loop through the component's first module, staying inside the component."""
    inside = set(members)
    start = members[0]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(out[node] & inside):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return members


def arrows_back_up(out: dict[str, set[str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(imports into a higher layer, imports between two fronts)."""
    up, sideways = [], []
    for importer, imported in ((a, b) for a in out for b in sorted(out[a])):
        low, high = layer_of(importer), layer_of(imported)
        if low is None or high is None:
            continue
        if high > low:
            up.append((importer, imported))
        elif low == high and app_of(importer) != app_of(imported) and app_of(importer) in FRONTS:
            sideways.append((importer, imported))
    return up, sideways


def imports_inside_functions(root: Path = ROOT) -> dict[str, Counter[str]]:
    """app -> Counter(project=..., other=...) of import statements inside a function or method."""
    ours = set(PACKAGES)
    counts: dict[str, Counter[str]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")) if (root / package).is_dir() else []:
            if "migrations" in path.parts or "node_modules" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            in_functions = {
                node
                for function in ast.walk(tree)
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                for node in ast.walk(function)
                if isinstance(node, ast.Import | ast.ImportFrom)
            }  # a set: an import in a nested function is inside two functions but counts once
            for node in in_functions:
                if isinstance(node, ast.ImportFrom) and node.level:
                    kind = "project"
                else:
                    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                    kind = "project" if any(n.split(".")[0] in ours for n in names) else "other"
                counts.setdefault(package, Counter())[kind] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brief", action="store_true", help="the summary lines only")
    brief = parser.parse_args().brief
    graph = build_graph()
    out = edges(graph)
    found = circles(out)
    up, sideways = arrows_back_up(out)
    inside = imports_inside_functions()
    print(f"modules: {len(out)}, imports between them: {sum(len(v) for v in out.values())}")
    largest = max((len(c) for c in found), default=0)
    print(f"circles: {len(found)} (modules in them: {sum(len(c) for c in found)}, largest: {largest})")
    if not brief:
        for component in found:
            print(f"  {len(component)} modules: {', '.join(component)}")
            print(f"    e.g. {' -> '.join(shortest_loop(out, component))}")
    print(f"arrows back up the layers: {len(up)}")
    if not brief:
        for importer, imported in up:
            print(f"  {importer} -> {imported}")
    print(f"arrows between fronts: {len(sideways)}")
    if not brief:
        for importer, imported in sideways:
            print(f"  {importer} -> {imported}")
    project = sum(c["project"] for c in inside.values())
    other = sum(c["other"] for c in inside.values())
    print(f"imports inside functions: {project + other} ({project} of project modules, {other} of libraries)")
    if not brief:
        for app, count in sorted(inside.items()):
            print(f"  {app:<14} {count['project']:>3} project, {count['other']:>3} libraries")


if __name__ == "__main__":
    main()
