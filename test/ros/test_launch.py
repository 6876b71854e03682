"""The launch file cannot run here (launch/launch_ros are not on PyPI): check it by parsing."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from sharp_depth_ros.ros.parameters import SPECS_BY_NAME

REPO = Path(__file__).resolve().parents[2]
LAUNCH = REPO / "launch" / "depth.launch.py"


def _tree() -> ast.Module:
    return ast.parse(LAUNCH.read_text())


def _declared_arguments(tree: ast.Module) -> dict[str, str]:
    found = {}
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "DeclareLaunchArgument":
            name = call.args[0].value
            default = next((k.value for k in call.keywords if k.arg == "default_value"), None)
            found[name] = ast.unparse(default) if default is not None else ""
    return found


def _constant(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in {LAUNCH}")


def test_launch_declares_the_documented_arguments() -> None:
    arguments = _declared_arguments(_tree())
    expected = {"namespace", "image", "camera_info", "params_file", "checkpoint", "device"}
    assert expected <= set(arguments)
    assert "depth.yaml" in arguments["params_file"] and "share" in arguments["params_file"]


def test_every_parameter_the_launch_passes_exists_in_the_node_and_the_yaml() -> None:
    tree = _tree()
    passed = set(_constant(tree, "PARAMETER_OVERRIDES"))
    # Any literal parameter dict in Node(parameters=[...]) counts as well.
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Node":
            for keyword in call.keywords:
                if keyword.arg == "parameters":
                    for item in ast.walk(keyword.value):
                        if isinstance(item, ast.Dict):
                            passed |= {k.value for k in item.keys if isinstance(k, ast.Constant)}
    yaml_names = set(
        yaml.safe_load((REPO / "config" / "depth.yaml").read_text())["sharp_depth"][
            "ros__parameters"
        ]
    )
    assert passed and passed <= set(SPECS_BY_NAME) and passed <= yaml_names
    assert passed <= set(_declared_arguments(tree))


def test_launch_starts_the_installed_console_script_with_the_node_name() -> None:
    text = LAUNCH.read_text()
    assert 'executable="depth_node"' in text and 'name="sharp_depth"' in text
    setup = (REPO / "setup.py").read_text()
    assert "depth_node = {PACKAGE_NAME}.ros.node:main" in setup
    assert (REPO / "config" / "depth.rviz").is_file()
