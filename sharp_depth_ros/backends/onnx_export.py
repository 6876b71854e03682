"""Export a depth network to ONNX, with its config in the file's metadata.

The graph maps the normalised (1, 3, S, S) float32 image to `canonical_inverse_depth`
(1, 1, S, S) and `fov_deg` (1,) when the network has a FOV head; pre- and post-processing stay
in `DepthPredictor`. Runtimes that can prune the graph (ONNX Runtime) skip the FOV branch when
only the depth output is fetched.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from sharp_depth_ros.backends.runtime_imports import import_runtime
from sharp_depth_ros.config import NetworkConfig, network_config_from_dict
from sharp_depth_ros.model.presets import DepthNetwork

OPSET_VERSION = 18  # >= 17 (LayerNormalization); supported by onnxruntime >= 1.14, OpenVINO 2023+
METADATA_PREFIX = "sharp_depth."
FORMAT_VERSION = 1
EXPORT_PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16}
INPUT_NAME = "image"
DEPTH_OUTPUT = "canonical_inverse_depth"
FOV_OUTPUT = "fov_deg"


@dataclass(frozen=True)
class OnnxModelInfo:
    """What an exported file says about itself (from its metadata)."""

    config: NetworkConfig
    preset: str
    precision: str
    has_fov_head: bool

    @property
    def network_resolution(self) -> int:
        """Side of the square network input."""
        return self.config.network_resolution


class _ExportWrapper(nn.Module):
    """Tensor outputs instead of the output dataclass; float32 in and out at any precision."""

    def __init__(self, model: DepthNetwork, dtype: torch.dtype) -> None:
        super().__init__()
        self.model = model
        self.dtype = dtype

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        output = self.model(images.to(self.dtype), run_fov=self.model.fov is not None)
        depth = output.canonical_inverse_depth.float()
        return (depth,) if output.fov_deg is None else (depth, output.fov_deg.float())


def _metadata(model: DepthNetwork, preset: str, precision: str) -> dict[str, str]:
    config = model.config
    return {
        f"{METADATA_PREFIX}format_version": str(FORMAT_VERSION),
        f"{METADATA_PREFIX}architecture": config.architecture,
        f"{METADATA_PREFIX}config": json.dumps(config.to_dict(), sort_keys=True),
        f"{METADATA_PREFIX}preset": preset,
        f"{METADATA_PREFIX}precision": precision,
        f"{METADATA_PREFIX}has_fov_head": str(model.fov is not None).lower(),
    }


def check_output_path(path: str | Path) -> Path:
    """Create the output's folder and check it is writable, before any slow work.

    Raises:
        ValueError: the folder cannot be created or written, or `path` is a folder.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror or error}") from error
    if path.is_dir() or not os.access(path.parent, os.W_OK):
        reason = "it is a folder" if path.is_dir() else "its folder is not writable"
        raise ValueError(f"cannot write {path}: {reason}")
    return path


@contextlib.contextmanager
def writable_temp_folder(path: Path) -> Iterator[Path]:
    """A temporary folder next to `path` (same file system for the final rename).

    Raises:
        ValueError: the output folder cannot be created or written.
    """
    check_output_path(path)
    try:
        folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.stem}.export."))
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror or error}") from error
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export_onnx(
    model: DepthNetwork, path: str | Path, precision: str = "fp32", preset: str = ""
) -> Path:
    """Write `model` as an ONNX file (opset 18) with its config in the metadata, atomically.

    Traces with torch's TorchScript-based exporter under `torch.no_grad` (no autograd graph is
    kept). Models over 2 GiB (full depth-pro in fp32) get their weights in `<name>.data` next to
    the file.

    Args:
        model: a CPU network (DepthPro or ConvDepthPro); put in eval mode with default
            pyramid options.
        path: the .onnx file to write.
        precision: fp32, or fp16 (weights and compute in half; for GPUs, TensorRT).
        preset: the preset name to record, or "".

    Returns:
        The written path.

    Raises:
        ValueError: unknown precision or an output path that cannot be written.
        BackendUnavailableError: the onnx package is missing.
    """
    if precision not in EXPORT_PRECISIONS:
        raise ValueError(f"export precision must be fp32 or fp16, got {precision!r}")
    onnx = import_runtime("onnx")
    path = Path(path)
    dtype = EXPORT_PRECISIONS[precision]
    # Full depth-pro is 3.8 GB in fp32: copy only when the weights must change type.
    network = (model if dtype == torch.float32 else copy.deepcopy(model).to(dtype)).eval()
    network.set_inference_options()  # the whole pyramid, in one batch
    size = network.network_resolution
    example = torch.zeros(1, 3, size, size)
    output_names = [DEPTH_OUTPUT] + ([FOV_OUTPUT] if network.fov is not None else [])
    with writable_temp_folder(path) as folder, torch.no_grad(), warnings.catch_warnings():
        # Shapes are static by design (one network resolution): the tracer's warnings about
        # Python values frozen into the graph are expected.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced_path = folder / "traced.onnx"
        torch.onnx.export(
            # In eval mode: the exporter restores the wrapper's mode afterwards, recursively, and
            # a wrapper left in train mode would switch the caller's network to batch statistics.
            _ExportWrapper(network, dtype).eval(),
            (example,),
            str(traced_path),
            dynamo=False,
            opset_version=OPSET_VERSION,
            input_names=[INPUT_NAME],
            output_names=output_names,
            do_constant_folding=True,
        )
        proto = onnx.load(str(traced_path), load_external_data=False)
        onnx.helper.set_model_props(proto, _metadata(network, preset, precision))
        external = any(
            onnx.external_data_helper.uses_external_data(tensor)
            for tensor in proto.graph.initializer
        )
        if external:
            onnx.load_external_data_for_model(proto, str(folder))
        final_path = folder / "final.onnx"
        onnx.save(
            proto,
            str(final_path),
            save_as_external_data=external,
            location=f"{path.name}.data",
        )
        if external:
            data_path = folder / f"{path.name}.data"
            data_path.chmod(final_path.stat().st_mode & 0o777)  # onnx writes it 0600
            os.replace(data_path, path.parent / data_path.name)
        os.replace(final_path, path)
    return path


def read_onnx_info(path: str | Path) -> OnnxModelInfo:
    """Read the config and precision an exported file carries.

    Raises:
        FileNotFoundError: missing file.
        ValueError: not an ONNX file, or one without our metadata.
    """
    onnx = import_runtime("onnx")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ONNX file {path} does not exist")
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as error:  # onnx raises DecodeError and others for a corrupt file
        raise ValueError(f"{path} is not a readable ONNX file: {error}") from error
    metadata = {prop.key: prop.value for prop in proto.metadata_props}
    key = f"{METADATA_PREFIX}config"
    if key not in metadata:
        raise ValueError(
            f"{path} carries no sharp_depth config in its metadata; export it with "
            "`sharp-depth export`"
        )
    try:
        config = network_config_from_dict(
            json.loads(metadata[key]), metadata[f"{METADATA_PREFIX}architecture"]
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path} has an invalid sharp_depth config: {error}") from error
    return OnnxModelInfo(
        config=config,
        preset=metadata.get(f"{METADATA_PREFIX}preset", ""),
        precision=metadata.get(f"{METADATA_PREFIX}precision", "fp32"),
        has_fov_head=metadata.get(f"{METADATA_PREFIX}has_fov_head") == "true",
    )
