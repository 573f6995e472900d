"""The package's shape: no import cycles, and imports only point down the pipeline.

Reads every module's `import` statements with `ast` (late imports inside
functions included), so nothing is run and no cycle can hide behind a lazy import.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "newsletter"

# cli -> build/serve/send -> render/checks/digest -> content -> source -> config/errors
LAYERS = {
    "errors": 0, "disk": 0, "config": 1, "config_values": 0.5, "source": 2, "content": 3, "digest": 4, "render": 4,
    "checks": 5, "output": 5, "build": 6, "build_digest": 6, "scaffold": 6, "screenshots": 6,
    "serve": 7, "send": 7, "push": 7, "cli": 8, "__main__": 9, "__init__": -1,
    # Between stages: the archive writes output folders; the batch runs build.
    "manifest": 5, "archive": 5.5, "progress": 6, "batch": 6.5,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The package's own modules that `path` imports, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("newsletter")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("newsletter"):
                continue
            for alias in node.names:   # `from . import platforms` names a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {name for name in found if name in MODULES and name != module_name(path)}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def graph() -> dict[str, set[str]]:
    return {name: imports_of(path) for name, path in MODULES.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def layer(name: str) -> int:
    parts = name.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else "__init__"]


def test_the_scan_sees_imports():
    edges = graph()
    assert "newsletter.render.platforms" in edges["newsletter.render.email"]
    assert "newsletter.source.issue" in edges["newsletter.build"]


def test_no_import_cycle():
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()))


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_point_down_the_pipeline():
    upward = []
    for name, targets in graph().items():
        for target in targets:
            same_stage = name.split(".")[:2] == target.split(".")[:2]
            if not same_stage and layer(target) >= layer(name) and layer(name) >= 0:
                upward.append(f"{name} imports {target}")
    assert not upward, upward


def test_parsing_never_knows_a_service():
    for name, targets in graph().items():
        if name.startswith(("newsletter.source", "newsletter.content", "newsletter.digest")):
            assert not any(t.startswith("newsletter.render") for t in targets), name


def test_every_module_is_small_and_says_what_it_does():
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 420, f"{name} has {len(source.splitlines())} lines"
        if name != "newsletter" and not name.endswith("__main__"):
            assert ast.get_docstring(ast.parse(source)), f"{name} has no docstring"
