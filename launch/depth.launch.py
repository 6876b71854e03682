"""Start the sharp_depth node: camera image in, metric depth and a point cloud out.

    ros2 launch sharp_depth_ros depth.launch.py image:=/camera/color/image_raw \
        camera_info:=/camera/color/camera_info device:=cuda

Parameters come from config/depth.yaml in the package share (or `params_file:=...`); the
`checkpoint`, `preset`, `device` and `autostart` arguments override it when not empty.
`autostart:=false` leaves the (lifecycle) node unconfigured for a lifecycle manager or
`ros2 lifecycle set /sharp_depth configure`.
"""

from __future__ import annotations

import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription

PACKAGE = "sharp_depth_ros"
# Launch arguments that override the node parameter of the same name when not empty.
PARAMETER_OVERRIDES = ("checkpoint", "preset", "device", "autostart")


def _depth_node(context, *args, **kwargs):
    overrides = {name: LaunchConfiguration(name).perform(context) for name in PARAMETER_OVERRIDES}
    return [
        Node(
            package=PACKAGE,
            executable="depth_node",
            name="sharp_depth",
            namespace=LaunchConfiguration("namespace"),
            # Later entries win: the params file, then the non-empty launch arguments.
            parameters=[
                LaunchConfiguration("params_file"),
                {name: value for name, value in overrides.items() if value},
            ],
            remappings=[
                ("image", LaunchConfiguration("image")),
                ("image/compressed", [LaunchConfiguration("image"), "/compressed"]),
                ("camera_info", LaunchConfiguration("camera_info")),
            ],
            output="screen",
            emulate_tty=True,
        )
    ]


def generate_launch_description() -> LaunchDescription:
    share = get_package_share_directory(PACKAGE)
    return LaunchDescription(
        [
            DeclareLaunchArgument("namespace", default_value="", description="Node namespace."),
            DeclareLaunchArgument(
                "image", default_value="image", description="Input image topic (remaps image)."
            ),
            DeclareLaunchArgument(
                "camera_info",
                default_value="camera_info",
                description="Input CameraInfo topic (remaps camera_info).",
            ),
            DeclareLaunchArgument(
                "params_file",
                default_value=os.path.join(share, "config", "depth.yaml"),
                description="Node parameters (YAML).",
            ),
            DeclareLaunchArgument(
                "checkpoint", default_value="", description="Checkpoint file; empty: params file."
            ),
            DeclareLaunchArgument(
                "preset", default_value="", description="Model preset; empty: params file."
            ),
            DeclareLaunchArgument(
                "device", default_value="", description="auto | cpu | cuda; empty: params file."
            ),
            DeclareLaunchArgument(
                "autostart",
                default_value="",
                description="true: configure and activate at start-up; false: wait for "
                "lifecycle transitions; empty: params file (true).",
            ),
            DeclareLaunchArgument(
                "use_rviz", default_value="false", description="Also start RViz (depth.rviz)."
            ),
            OpaqueFunction(function=_depth_node),
            Node(
                package="rviz2",
                executable="rviz2",
                arguments=["-d", os.path.join(share, "config", "depth.rviz")],
                condition=IfCondition(LaunchConfiguration("use_rviz")),
            ),
        ]
    )
