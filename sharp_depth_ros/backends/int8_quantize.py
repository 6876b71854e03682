"""int8 for CPUs: ONNX Runtime static QDQ quantisation of an exported network.

Weights are int8 per output channel, activations uint8 per tensor, with ranges (min/max)
calibrated on frames like the ones the network will see. Three small groups of layers stay in
fp32, chosen by measurement (docs/benchmarks.md, shipped sharp-small, one node quantised at a
time): the convolutions that read the image (the stems: 8 bits of a resized image feed every
later layer), the depth head after the decoder's last fusion (its output is log-scaled depth,
where 256 levels are coarse) and the FOV head (an estimated focal length scales all of the
depth). Everything else, most of the compute, runs in int8.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sharp_depth_ros.backends.onnx_export import (
    DEPTH_OUTPUT,
    FOV_OUTPUT,
    INPUT_NAME,
    METADATA_PREFIX,
    export_onnx,
    writable_temp_folder,
)
from sharp_depth_ros.backends.runtime_imports import import_runtime
from sharp_depth_ros.model.presets import DepthNetwork

MIN_CALIBRATION_FRAMES = 4
# Nodes that pass a tensor on without computing with it, walked through to find the stems.
_PASS_THROUGH = {
    "Cast", "Resize", "Slice", "Concat", "Split", "Pad", "Reshape", "Transpose", "Identity"
}  # fmt: skip


def _upstream(graph, output: str, stop_at_add: bool) -> list:
    """Nodes back from `output`: through all inputs, or only along data (first inputs).

    Along data the walk stops at the first `Add` of two computed branches (a decoder fusion
    or a residual).
    """
    producer = {name: node for node in graph.node for name in node.output}

    def is_fusion(node) -> bool:  # an Add of two computed branches, not of a constant
        computed = [n for n in node.input if n in producer and producer[n].op_type != "Constant"]
        return node.op_type == "Add" and len(computed) >= 2

    found, frontier, seen = [], [output], set()
    while frontier:
        node = producer.get(frontier.pop())
        if node is None or node.name in seen or (stop_at_add and is_fusion(node)):
            continue
        seen.add(node.name)
        found.append(node)
        frontier.extend(node.input[:1] if stop_at_add else node.input)
    return found


def fp32_nodes(graph) -> list[str]:
    """Names of the nodes to keep in fp32: the stems, the depth head and the FOV head.

    Stems: convolutions reached from the graph input through data-moving nodes only
    (`_PASS_THROUGH`). Depth head: the convolutions on the way back from the depth output to
    the decoder's last `Add`. FOV head: the convolutions and fully connected layers (Gemm) that
    only the FOV output depends on (a transformer FOV encoder's MatMuls stay int8).

    Args:
        graph: an `onnx.GraphProto`.
    """
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    stems, frontier, seen = [], [INPUT_NAME], set()
    while frontier:
        for node in consumers.get(frontier.pop(), []):
            if node.name in seen:
                continue
            seen.add(node.name)
            if node.op_type == "Conv":
                stems.append(node.name)
            elif node.op_type in _PASS_THROUGH:
                frontier.extend(node.output)
    head = [n.name for n in _upstream(graph, DEPTH_OUTPUT, stop_at_add=True) if n.op_type == "Conv"]
    outputs = {output.name for output in graph.output}
    fov = []
    if FOV_OUTPUT in outputs:
        depth_path = {n.name for n in _upstream(graph, DEPTH_OUTPUT, stop_at_add=False)}
        fov = [
            n.name
            for n in _upstream(graph, FOV_OUTPUT, stop_at_add=False)
            if n.op_type in ("Conv", "Gemm") and n.name not in depth_path
        ]
    return list(dict.fromkeys(stems + head + fov))


@dataclass(frozen=True)
class Int8Export:
    """An int8 file and how far it moved the depth on frames it was not calibrated on."""

    path: Path
    median_rel_diff: float  # median |C_int8 / C_fp32 - 1| of canonical inverse depth
    check_frames: int
    held_out: bool  # False: too few frames, the check ran on the calibration frames
    fp32_nodes: tuple[str, ...]


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """ONNX Runtime's quantiser warns on the root logger: errors only, while it runs."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _check_split(frames: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every fourth frame is held out to check the result; all calibrate when there are few."""
    if len(frames) < 2 * MIN_CALIBRATION_FRAMES:
        return list(frames), list(frames)
    return [f for i, f in enumerate(frames) if i % 4 != 3], list(frames[3::4])


def _median_rel_diff(ort, quantized: Path, reference: Path, frames: list[np.ndarray]) -> float:
    """Median relative difference of canonical inverse depth, int8 against fp32."""
    sessions = [
        ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])
        for p in (quantized, reference)
    ]
    ratios = []
    for frame in frames:
        feed = {INPUT_NAME: np.asarray(frame, np.float32)}
        int8, fp32 = (s.run([DEPTH_OUTPUT], feed)[0].astype(np.float64) for s in sessions)
        significant = fp32 > 1e-3 * fp32.max()  # away from zeros (untrained networks)
        ratios.append(np.abs(int8[significant] / fp32[significant] - 1.0))
    return float(np.median(np.concatenate(ratios)))


def quantize_qdq(
    source: Path,
    out: Path,
    frames: Sequence[np.ndarray],
    keep_fp32: Sequence[str],
    percentile_ranges: bool = False,
    op_types: Sequence[str] | None = None,
) -> None:
    """ONNX Runtime static QDQ quantisation of a pre-processed ONNX file, as `quantize_int8` does.

    Per-channel int8 weights, uint8 activations with min/max ranges over `frames` (the 0.001 /
    99.999 percentiles with `percentile_ranges`), the nodes named in `keep_fp32` left in fp32.
    `op_types` limits quantisation to those operator types (None: every type ONNX Runtime can
    quantise, as the export does).
    """
    from onnxruntime import quantization

    class FrameReader(quantization.CalibrationDataReader):
        """Feeds the calibration frames to ONNX Runtime's calibrator, one at a time."""

        def __init__(self) -> None:
            self.frames = iter(frames)

        def get_next(self) -> dict[str, np.ndarray] | None:
            frame = next(self.frames, None)
            return None if frame is None else {INPUT_NAME: np.asarray(frame, np.float32)}

    method = quantization.CalibrationMethod
    with _quiet_root_logger():  # per-node notes on the root logger, e.g. GroupNorm axes
        quantization.quantize_static(
            str(source),
            str(out),
            FrameReader(),
            quant_format=quantization.QuantFormat.QDQ,
            per_channel=True,
            activation_type=quantization.QuantType.QUInt8,
            weight_type=quantization.QuantType.QInt8,
            calibrate_method=method.Percentile if percentile_ranges else method.MinMax,
            nodes_to_exclude=list(keep_fp32),
            op_types_to_quantize=list(op_types) if op_types is not None else None,
        )


def quantize_int8(
    model: DepthNetwork,
    path: str | Path,
    frames: Sequence[np.ndarray],
    preset: str = "",
    keep_fp32: Sequence[str] | None = None,
) -> Int8Export:
    """Write `model` as an int8 (QDQ) ONNX file for CPUs, atomically, and check it.

    Three of every four frames calibrate the activation ranges, the fourth measures how far
    int8 moves the canonical inverse depth from fp32 (with fewer than 8 frames, all do both).

    Args:
        model: a CPU network, as for `export_onnx`.
        path: the .onnx file to write; its metadata says precision int8 and holds the check.
        frames: network inputs, (1, 3, S, S) float32 in [-1, 1] as
            `DepthPredictor.network_input` makes them, from frames like the deployment's
            (at least `MIN_CALIBRATION_FRAMES`; a few dozen is plenty).
        preset: the preset name to record.
        keep_fp32: node names to keep in fp32 instead of `fp32_nodes`.

    Raises:
        ValueError: too few frames, frames of the wrong shape, or an output path that cannot
            be written.
        BackendUnavailableError: onnx or onnxruntime is missing.
    """
    onnx = import_runtime("onnx")
    ort = import_runtime("onnxruntime")
    from onnxruntime.quantization.shape_inference import quant_pre_process

    size = model.network_resolution
    if len(frames) < MIN_CALIBRATION_FRAMES:
        raise ValueError(
            f"int8 needs at least {MIN_CALIBRATION_FRAMES} calibration frames, got {len(frames)}"
        )
    for frame in frames:
        if tuple(frame.shape) != (1, 3, size, size):
            raise ValueError(
                f"calibration frames must be network inputs (1, 3, {size}, {size}), "
                f"got {tuple(frame.shape)}"
            )
    calibration, check = _check_split(frames)

    path = Path(path)
    with writable_temp_folder(path) as folder:
        fp32, prepared, quantized = (folder / f"{n}.onnx" for n in ("fp32", "pre", "int8"))
        export_onnx(model, fp32, preset=preset)
        quant_pre_process(str(fp32), str(prepared))
        proto = onnx.load(str(prepared))
        excluded = list(keep_fp32) if keep_fp32 is not None else fp32_nodes(proto.graph)
        quantize_qdq(prepared, quantized, calibration, excluded)
        difference = _median_rel_diff(ort, quantized, fp32, check)
        result = onnx.load(str(quantized))
        metadata = {prop.key: prop.value for prop in onnx.load(str(fp32)).metadata_props}
        metadata.update(
            {
                f"{METADATA_PREFIX}precision": "int8",
                f"{METADATA_PREFIX}int8_fp32_nodes": json.dumps(excluded),
                f"{METADATA_PREFIX}int8_calibration_frames": str(len(calibration)),
                f"{METADATA_PREFIX}int8_check_frames": str(len(check)),
                f"{METADATA_PREFIX}int8_median_rel_diff": f"{difference:.6f}",
            }
        )
        onnx.helper.set_model_props(result, metadata)
        final = folder / "final.onnx"
        onnx.save(result, str(final))
        final.replace(path)
    held_out = len(check) < len(frames)
    return Int8Export(path, difference, len(check), held_out, tuple(excluded))
