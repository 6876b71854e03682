"""ament_python build script for sharp_depth_ros."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE_NAME = "sharp_depth_ros"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(include=[PACKAGE_NAME, f"{PACKAGE_NAME}.*"]),
    package_data={PACKAGE_NAME: ["weights/*.safetensors", "weights/*.json", "assets/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE_NAME}"]),
        (f"share/{PACKAGE_NAME}", ["package.xml"]),
        (f"share/{PACKAGE_NAME}/launch", glob("launch/*.launch.py")),
        (f"share/{PACKAGE_NAME}/config", glob("config/*.yaml") + glob("config/*.rviz")),
        (f"share/{PACKAGE_NAME}/config/train", glob("config/train/*.yaml")),
    ],
    python_requires=">=3.10",  # ROS 2 Humble (Ubuntu 22.04); test/test_python_version.py
    install_requires=["setuptools"],
    # Deployment backends (sharp_depth_ros.backends); the README set-up installs both.
    extras_require={
        "onnx": ["onnx>=1.16", "onnxruntime>=1.18"],
        "openvino": ["onnx>=1.16", "openvino>=2024.4"],
    },
    zip_safe=False,
    maintainer="sharp_depth_ros maintainers",
    maintainer_email="maintainers@sharp-depth-ros.invalid",
    description="Sharp metric monocular depth (Depth Pro) as a ROS 2 node.",
    license="Apache-2.0",
    tests_require=["pytest"],
    entry_points={
        "console_scripts": [
            f"depth_node = {PACKAGE_NAME}.ros.node:main",
            f"sharp-depth = {PACKAGE_NAME}.cli:main",
        ],
    },
)
