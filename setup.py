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
    # What `import sharp_depth_ros` and the node need. On a ROS 2 install rosdep provides rclpy and
    # the messages (package.xml); torch, timm, safetensors and pydantic 2 come from pip there.
    # scripts/setup.sh installs requirements.txt (all of it, pinned) and then this with --no-deps.
    install_requires=[
        "numpy>=1.26",
        "torch>=2.1",
        "timm>=1.0",
        "safetensors>=0.4",
        "opencv-python-headless>=4.9",
        "pillow>=10",
        "pyyaml>=6",
        "pydantic>=2.6",
        "tqdm>=4.66",
    ],
    extras_require={
        # Deployment backends (sharp_depth_ros.backends).
        "onnx": ["onnx>=1.16", "onnxruntime>=1.18"],
        "openvino": ["onnx>=1.16", "openvino>=2024.4"],
        # sharp-depth synth: Mitsuba 3 path tracing, Open Image Denoise.
        "synth": ["mitsuba>=3.5", "pyoidn>=2.5"],
        # sharp-depth bag (rosbag2 without ROS) and .exr depth in sharp-depth eval.
        "bag": ["rosbags>=0.11"],
        "eval": ["openexr>=3.2"],
        # Training needs nothing beyond the base; data comes from [synth] or folders.
        "train": ["sharp_depth_ros[synth]"],
        "dev": ["pytest>=8", "hypothesis>=6.100", "scipy>=1.11", "ruff>=0.6", "vermin==1.9.2"],
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
