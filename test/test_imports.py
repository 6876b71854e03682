"""Every module of the package imports first and alone: no import circle, no import-time failure.

A circle (a imports b, b imports a) only breaks when one of its modules is imported before the
other, so each module must be the first package module loaded. One fresh interpreter loads the
third-party libraries the package imports (torch alone takes seconds), checks that no
`sharp_depth_ros` module is loaded, then forks one child per module; each child imports its module
into a clean package state and reports back. (A fresh interpreter per module would re-import
torch about 90 times: minutes on a small machine.) A second test checks the source statically,
lazy imports inside functions included, for circles among the package's modules.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "sharp_depth_ros"
# Packages a module may need that an installation may leave out (extras, ROS); a module that
# needs one of them and finds it missing is skipped, any other failure fails.
OPTIONAL_PACKAGES = {
    "Imath",
    "OpenEXR",
    "cv_bridge",
    "diagnostic_msgs",
    "drjit",
    "geometry_msgs",
    "launch",
    "launch_ros",
    "mcap",
    "mitsuba",
    "onnx",
    "onnxruntime",
    "onnxscript",
    "pyoidn",
    "rcl_interfaces",
    "rclpy",
    "rosbag2_py",
    "rosbags",
    "sensor_msgs",
    "std_msgs",
}

DRIVER = r"""
import importlib, json, os, sys, traceback

names, third_party, optional = json.loads(sys.argv[1])
for library in third_party:
    try:
        importlib.import_module(library)
    except Exception:
        pass  # the child that needs it reports the failure
assert not [m for m in sys.modules if m.split(".")[0] == "sharp_depth_ros"]
results = {}
for name in names:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            importlib.import_module(name)
            outcome = ["ok", ""]
        except ModuleNotFoundError as error:
            missing = (error.name or "").split(".")[0]
            kind = "skip" if missing in optional else "fail"
            outcome = [kind, f"needs {missing}" if kind == "skip" else traceback.format_exc()]
        except BaseException:
            outcome = ["fail", traceback.format_exc()]
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(outcome))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    results[name] = json.loads(text) if text else ["fail", f"child died (status {status})"]
print(json.dumps(results))
"""


def module_names() -> list[str]:
    """Dotted names of every module and package under sharp_depth_ros/, from the files."""
    names = []
    for path in sorted((REPO / PACKAGE).rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _syntax_tree(name: str) -> tuple[ast.Module, bool]:
    path = REPO / Path(*name.split("."))
    is_package = path.is_dir()
    file = path / "__init__.py" if is_package else path.with_suffix(".py")
    return ast.parse(file.read_text(encoding="utf-8")), is_package


def imported_names(name: str, *, top_level_only: bool, modules: frozenset[str]) -> set[str]:
    """Absolute names of the modules `name` imports (relative imports resolved).

    `from a import b` imports the module `a.b` when it is one of `modules`, else the module `a`.
    """
    tree, is_package = _syntax_tree(name)
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found |= {
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            }
    return found


def third_party_libraries() -> list[str]:
    """Top-level third-party packages imported at module level anywhere in the package."""
    names = frozenset(module_names())
    roots = {
        imported.split(".")[0]
        for name in names
        for imported in imported_names(name, top_level_only=True, modules=names)
    }
    return sorted(roots - set(sys.stdlib_module_names) - {PACKAGE, ""})


@cache
def import_results() -> dict[str, list[str]]:
    """name -> [ok | skip | fail, detail], each module imported first in a forked child."""
    arguments = json.dumps([module_names(), third_party_libraries(), sorted(OPTIONAL_PACKAGES)])
    completed = subprocess.run(
        [sys.executable, "-c", DRIVER, arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the driver forks one child per module")
@pytest.mark.parametrize("name", module_names())
def test_module_imports_first_in_a_clean_process(name):
    outcome, detail = import_results()[name]
    if outcome == "skip":
        pytest.skip(f"{name} {detail}, an optional package that is not installed")
    assert outcome == "ok", f"importing {name} first fails:\n{detail}"


def test_no_import_circle_among_the_package_modules_lazy_imports_included():
    names = frozenset(module_names())
    graph = {
        name: imported_names(name, top_level_only=False, modules=names) & names - {name}
        for name in names
    }
    circles = _circles(graph)
    assert not circles, f"import circles: {circles}"


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
