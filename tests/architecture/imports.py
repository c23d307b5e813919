"""The project's import graph, read with `ast` (nothing is imported or run).

Used by test_layers.py and runnable as a report:
    .venv/bin/python -m tests.architecture.imports
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lower layers first. A module may import its own layer and the layers below it; it
# announces to the layers above through signals (events/domain.py), never by import.
# `config` holds settings and the celery app (the bottom, with core); `config.urls`,
# `config.wsgi` and `config.asgi` wire every app together and sit on top.
LAYERS: list[set[str]] = [
    {"config", "core", "audit"},
    {"accounts"},
    {"events"},
    {"attendance"},
    {"surveys"},
    {"groupwork"},
    {"notifications"},
    {"reports"},
    {"records"},
    {"privacy"},
    {"demo"},
]
COMPOSITION_ROOT = {"config.urls", "config.wsgi", "config.asgi"}
PACKAGES = set().union(*LAYERS)


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module (or the package a name came from), dotted
    line: int
    local: bool  # inside a function or method
    type_only: bool  # under `if TYPE_CHECKING:`
    reason: str  # the comment on the line or the line above, for a local import


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_files() -> list[Path]:
    files = []
    for package in sorted(PACKAGES):
        base = ROOT / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files.append(path)
    return files


def modules() -> set[str]:
    return {_module_name(p) for p in project_files()}


def _resolve(target: str, known: set[str], names: list[str]) -> list[str]:
    # `from events import services` names the module events.services, not events.
    resolved = []
    for name in names:
        candidate = f"{target}.{name}"
        if candidate in known:
            resolved.append(candidate)
    return resolved or [target]


def _comment(lines: list[str], line: int) -> str:
    text = lines[line - 1]
    if "#" in text:
        return text.split("#", 1)[1].strip()
    previous = lines[line - 2].strip() if line >= 2 else ""
    return previous[1:].strip() if previous.startswith("#") else ""


def _imports_of(path: Path, known: set[str]) -> list[Import]:
    source = _module_name(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, local: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_local = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            child_type_only = type_only
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                child_type_only = True
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = source.split(".")
                    base = base[: len(base) - child.level + (1 if is_package else 0)]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                targets = _resolve(module, known, [alias.name for alias in child.names])
            else:
                visit(child, child_local, child_type_only)
                continue
            for target in targets:
                if target.split(".")[0] not in PACKAGES:
                    continue
                found.append(
                    Import(
                        source=source,
                        target=target,
                        line=child.lineno,
                        local=local,
                        type_only=child_type_only,
                        reason=_comment(lines, child.lineno) if local else "",
                    )
                )

    visit(ast.parse(text), False, False)
    return found


def imports() -> list[Import]:
    known = modules()
    return [i for path in project_files() for i in _imports_of(path, known)]


def layer_of(module: str) -> int:
    if module in COMPOSITION_ROOT:
        return len(LAYERS)
    top = module.split(".")[0]
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise LookupError(module)


def upward(found: list[Import]) -> list[Import]:
    return [i for i in found if layer_of(i.target) > layer_of(i.source)]


def unexplained_local(found: list[Import]) -> list[Import]:
    return [i for i in found if i.local and not i.reason]


def cycles(found: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), run-time imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    known = modules()
    for i in found:
        if i.type_only or i.target not in known or i.target == i.source:
            continue
        graph[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def strong(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(known):
        if node not in index:
            strong(node)
    return components


def report() -> None:
    found = imports()
    for i in upward(found):
        print(f"upward  {i.source}:{i.line} -> {i.target}")
    for i in unexplained_local(found):
        print(f"local   {i.source}:{i.line} -> {i.target}")
    local = [i for i in found if i.local]
    for component in cycles(found):
        print(f"cycle   {' '.join(component)}")
    print(
        f"{len(upward(found))} upward, {len(cycles(found))} cycles, "
        f"{len(local)} function-local ({len(unexplained_local(found))} without a reason)"
    )


if __name__ == "__main__":
    report()
