"""Import optional runtimes with an error that names the package to install."""

from __future__ import annotations

import importlib
from types import ModuleType

# module name -> pip requirement (the extras in setup.py install the same).
PIP_PACKAGES = {
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "openvino": "openvino",
}
EXTRAS = {"onnx": "onnx", "onnxruntime": "onnx", "openvino": "openvino"}


class BackendUnavailableError(ValueError):
    """A runtime package, execution provider or device that this machine does not have."""


def import_runtime(module_name: str) -> ModuleType:
    """Import an optional runtime module.

    Raises:
        BackendUnavailableError: it is not installed; the message names the pip package and
            the extra of this package that installs it.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        package = PIP_PACKAGES.get(module_name, module_name)
        extra = EXTRAS.get(module_name)
        hint = f" (or pip install 'sharp_depth_ros[{extra}]')" if extra else ""
        raise BackendUnavailableError(
            f"{module_name} is not installed: pip install {package}{hint} ({error})"
        ) from error
