"""Deployment backends: ONNX export and the runtimes that execute the network.

`DepthPredictor` keeps pre- and post-processing; a backend only maps the normalised network
input to canonical inverse depth and the FOV. `torch` runs the module eagerly (or compiled),
`onnxruntime` and `openvino` run an ONNX file written by `export_onnx`.
"""

from __future__ import annotations

BACKENDS = ("torch", "onnxruntime", "openvino")
ONNX_SUFFIX = ".onnx"

__all__ = ["BACKENDS", "ONNX_SUFFIX"]
