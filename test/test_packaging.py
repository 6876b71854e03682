"""The ament_python package builds with colcon and installs its share files and executables."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _colcon() -> str:
    found = shutil.which("colcon") or str(Path(sys.executable).with_name("colcon"))
    if not Path(found).exists():
        pytest.skip("colcon is not installed")
    return found


def test_package_xml_declares_the_ros_dependencies():
    root = ET.parse(REPO_ROOT / "package.xml").getroot()
    assert root.get("format") == "3"
    assert root.findtext("name") == "sharp_depth_ros"
    exec_deps = {e.text for e in root.findall("exec_depend")}
    assert {"rclpy", "sensor_msgs", "std_msgs", "diagnostic_msgs", "lifecycle_msgs"} <= exec_deps
    # Every ROS package declared is imported by the package or its launch file: none is dead.
    # lifecycle_msgs: the types of the services that rclpy.lifecycle serves for the node.
    sources = [*REPO_ROOT.glob("sharp_depth_ros/**/*.py"), *REPO_ROOT.glob("launch/*.py")]
    code = "\n".join(path.read_text() for path in sources)
    used_through = {"lifecycle_msgs": "from rclpy.lifecycle import"}
    unused = [
        name
        for name in exec_deps
        if not name.startswith("python3-")
        and f"import {name}" not in code
        and f"from {name}" not in code
        and used_through.get(name, "\0") not in code
    ]
    assert not unused
    assert {e.text for e in root.findall("test_depend")} >= {"ament_flake8", "ament_pep257"}
    assert root.find("export/build_type").text == "ament_python"


def test_colcon_build_installs_share_files_and_executables(tmp_path):
    workspace = tmp_path / "ws"
    source = workspace / "src" / "sharp_depth_ros"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "build", "install", "log", "__pycache__", "runs", "demo_output"
    )
    shutil.copytree(REPO_ROOT, source, ignore=ignore)
    result = subprocess.run(
        [_colcon(), "build", "--packages-select", "sharp_depth_ros"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    share = workspace / "install" / "sharp_depth_ros" / "share" / "sharp_depth_ros"
    assert (share / "package.xml").is_file()
    assert (share / "launch" / "depth.launch.py").is_file()
    assert (share / "config" / "depth.yaml").is_file()
    assert (share / "config" / "depth.rviz").is_file()
    marker = workspace / "install" / "sharp_depth_ros" / "share" / "ament_index"
    assert (marker / "resource_index" / "packages" / "sharp_depth_ros").is_file()
    executables = workspace / "install" / "sharp_depth_ros" / "lib" / "sharp_depth_ros"
    assert (executables / "depth_node").is_file()
    assert (executables / "sharp-depth").is_file()
