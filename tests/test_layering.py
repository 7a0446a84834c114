"""The package layering, read from the source: every `resq.<name>` a package imports (at
module level or inside a function) is declared in its pyproject.toml, the import graph has no
cycle, noxfile.py installs the packages in an order the graph allows, and the hardware side
imports neither torch nor pandas."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = REPO / "packages"
TORCH_FREE = ("spec", "hdlgen", "deploy", "estimator")
"""Packages that generate, simulate, synthesize and estimate without torch or pandas."""


def _project(name: str) -> dict:
    return tomllib.loads((PACKAGES / name / "pyproject.toml").read_text())["project"]


def _resq(requirements: list[str]) -> set[str]:
    """The resq distributions of a requirement list, as package folder names."""
    return {r.split()[0].removeprefix("resq-") for r in requirements if r.startswith("resq-")}


def _imports(name: str) -> list[tuple[str, str, bool]]:
    """(top-level module or `resq.<package>`, FILE:LINE, at module level) of every absolute
    import in package `name`'s source."""
    found = []
    for path in sorted((PACKAGES / name / "src").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        top = {id(node) for node in tree.body}
        top |= {id(n) for node in tree.body if isinstance(node, ast.If | ast.Try)
                for n in ast.walk(node)}  # fmt: skip
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            for module in modules:
                parts = module.split(".")
                key = ".".join(parts[:2]) if parts[0] == "resq" else parts[0]
                found.append((key, where, id(node) in top))
    return found


NAMES = sorted(p.name for p in PACKAGES.iterdir() if (p / "pyproject.toml").is_file())


def _graph() -> dict[str, set[str]]:
    """Package → the resq packages its source imports (itself left out)."""
    return {name: {key.removeprefix("resq.") for key, _, _ in _imports(name)
                   if key.startswith("resq.")} - {name} for name in NAMES}  # fmt: skip


def test_every_imported_resq_package_is_declared() -> None:
    wrong = []
    for name in NAMES:
        project = _project(name)
        required = _resq(project.get("dependencies", []))
        extras = set().union(*map(_resq, project.get("optional-dependencies", {}).values()))
        for key, where, module_level in _imports(name):
            if not key.startswith("resq.") or key == f"resq.{name}":
                continue
            package = key.removeprefix("resq.")
            if package in required or (package in extras and not module_level):
                continue
            why = ("only an optional extra, but imported at module level" if package in extras
                   else "not declared")  # fmt: skip
            wrong.append(f"{where}: resq-{name} imports {key}: resq-{package} is {why}")
    assert not wrong, "\n".join(wrong)


def test_no_declared_dependency_goes_unused() -> None:
    graph = _graph()
    unused = [f"resq-{name} declares resq-{dep} but never imports it" for name in NAMES
              for dep in _resq(_project(name).get("dependencies", [])) - graph[name]]  # fmt: skip
    assert not unused, "\n".join(unused)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path, or None."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(_graph()) is None, " → ".join(_cycle(_graph()) or [])


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_noxfile_installs_in_an_order_the_graph_allows() -> None:
    tree = ast.parse((REPO / "noxfile.py").read_text())
    (order,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "ORDER" for t in node.targets)]  # fmt: skip
    assert sorted(order) == NAMES
    for name, deps in _graph().items():
        for dep in deps:
            assert order.index(dep) < order.index(name), f"noxfile installs {name} before {dep}"


def test_the_hardware_side_imports_neither_torch_nor_pandas() -> None:
    found = [f"{where}: resq-{name} imports {key}" for name in TORCH_FREE
             for key, where, _ in _imports(name) if key in ("torch", "pandas", "resq.qat")]  # fmt: skip
    assert not found, "\n".join(found)


def test_entry_points_name_the_package_own_modules() -> None:
    wrong = []
    for name in NAMES:
        for group, points in _project(name).get("entry-points", {}).items():
            for point, target in points.items():
                if not target.startswith(f"resq.{name}.") and not target.startswith(
                    f"resq.{name}:"
                ):
                    wrong.append(f"resq-{name}: {group} {point} = {target}")
    assert not wrong, "\n".join(wrong)
