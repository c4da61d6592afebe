"""The shape of the code the renovation promised: one top-level module, small pieces, no tangles.

- ``app.py`` is the only Python module at the top level;
- ``pipelines/`` holds at most 20 modules of its own (the rest live in stage packages);
- no module imports another module's private name;
- no function in ``pipelines/``, ``ui/`` or ``app.py`` is over 120 lines;
- the package's module-level imports form no circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the rules about functions and private names apply.
APP_CODE = [*sorted((ROOT / "pipelines").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
APP_CODE.append(ROOT / "app.py")
LONGEST_FUNCTION = 120


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def own_imports(path: Path) -> Iterator[ast.ImportFrom]:
    """``from pipelines/ui ... import ...`` statements anywhere in the module."""
    for node in ast.walk(parsed(path)):
        own = isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        if own and node.module.split(".")[0] in ("pipelines", "ui"):
            yield node


def test_app_py_is_the_only_python_module_at_the_top() -> None:
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


def test_pipelines_holds_at_most_twenty_modules_of_its_own() -> None:
    own = sorted(p.name for p in (ROOT / "pipelines").glob("*.py"))
    assert len(own) <= 20, own


def test_no_module_imports_another_module_s_private_name() -> None:
    found = [
        f"{module_name(path)} imports {alias.name} from {node.module}"
        for path in APP_CODE
        for node in own_imports(path)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert not found, found


def test_no_function_is_over_120_lines() -> None:
    long_ones = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1})"
        for path in APP_CODE
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert not long_ones, long_ones


def module_level_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports when it is imported (not inside functions or
    ``if TYPE_CHECKING:``), each resolved to a known module."""
    imported: set[str] = set()
    for node in parsed(path).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        imported.update(name for name in names if name in known)
    return imported


def test_the_pipeline_s_module_level_imports_form_no_circle() -> None:
    paths = {module_name(p): p for p in sorted((ROOT / "pipelines").rglob("*.py"))}
    known = set(paths)
    graph = {name: module_level_imports(path, known) - {name} for name, path in paths.items()}
    # A package's __init__ that imports its own submodules is its normal shape, not a circle.
    for name in graph:
        graph[name] = {other for other in graph[name] if not other.startswith(name + ".")}

    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                circles.append([*path[path.index(other) :], other])
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, circles
