"""The share of functions fully annotated (every parameter but a method's self/cls, and the return),
per app and in all: `python scripts/typed_share.py` (tests/test_types.py keeps it from falling).

Counted: every def and async def (methods and nested functions too) of the project's own packages,
outside tests/, benchmarks/, scripts/ and migrations; @overload signatures are not counted, their
implementation is. `__init__` needs no return annotation."""

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "var", "tests", "benchmarks", "scripts", "deploy", "docs", "fixtures"}


def _is_method(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    return isinstance(parents.get(node), ast.ClassDef)


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """An @overload signature is a type declaration, not a function: only the implementation counts."""
    return any(
        isinstance(d, ast.Name | ast.Attribute) and ast.unparse(d).endswith("overload") for d in node.decorator_list
    )


def fully_annotated(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> bool:
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    staticmethod_ = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if method and not staticmethod_ and params:
        params = params[1:]  # self or cls
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    if any(p.annotation is None for p in params):
        return False
    return node.returns is not None or (node.name == "__init__" and bool(params))


def count(path: Path) -> tuple[int, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    total = typed = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _is_overload(node):
            total += 1
            typed += fully_annotated(node, _is_method(node, parents))
    return typed, total


def shares(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """app -> (fully annotated, functions); the key "all" sums them."""
    typed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2 or parts[0] in SKIP or "migrations" in parts or "node_modules" in parts:
            continue
        done, found = count(path)
        typed[parts[0]] += done
        total[parts[0]] += found
    result = {app: (typed[app], total[app]) for app in sorted(total)}
    result["all"] = (sum(typed.values()), sum(total.values()))
    return result


def main() -> None:
    for app, (done, found) in shares().items():
        print(f"{app:<14} {done:>5} of {found:>5}  {100 * done / max(found, 1):5.1f} %")


if __name__ == "__main__":
    main()
