"""Which precision a backend runs in: low precision only where the hardware runs it natively.

Measured accuracy (docs/benchmarks.md): bf16 depth stays within 1 % (median relative) of fp32
on the shipped sharp-small and on the reduced Depth Pro fixture, so where bf16 is native it is
both fast and right. Where it is emulated (AVX2-only CPUs) it is several times slower than fp32
(issue 16: 6.8x for depth-pro), so it is neither chosen nor accepted there. int8 lives in the
file: an ONNX file quantised by `sharp-depth export --precision int8` runs as int8 on CPUs
(onnxruntime, openvino), and nothing else does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sharp_depth_ros.backends.cpu_features import CpuFeatures, cpu_features

LOGGER = logging.getLogger(__name__)

PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16", "int8")
INT8_EXPORT_HINT = "sharp-depth export --precision int8 --calibration FRAMES"


@dataclass(frozen=True)
class PrecisionChoice:
    """A resolved precision and why it was chosen."""

    precision: str  # fp32 | bf16 | fp16 | int8
    reason: str


def onnx_file_precision(
    requested: str, file_precision: str, on_gpu: bool
) -> PrecisionChoice | None:
    """The precision of an int8 ONNX file (or one asked to run int8); None for other files.

    An int8 file runs as stored, on CPUs, when `requested` is auto or int8.

    Raises:
        ValueError: int8 asked of a file that is not int8, an int8 file asked to run in
            another precision, or an int8 file on a GPU.
    """
    if file_precision != "int8":
        if requested == "int8":
            raise ValueError(
                f"precision int8 needs an int8 ONNX file ({INT8_EXPORT_HINT}); this one is "
                f"{file_precision}"
            )
        return None
    if on_gpu:
        raise ValueError(
            "int8 ONNX files are for CPUs; export fp32 or fp16 for a GPU, or use device cpu"
        )
    if requested not in ("auto", "int8"):
        raise ValueError(
            f"this ONNX file is int8: run it with precision int8 or auto, not {requested!r} "
            "(or export it again with --precision fp32)"
        )
    return PrecisionChoice("int8", "int8 ONNX file (quantised at export)")


def choose_precision(
    requested: str, backend: str, device_type: str, cpu: CpuFeatures | None = None
) -> PrecisionChoice:
    """Resolve `requested` (auto, fp32, bf16, fp16) for a backend on a device type (cpu/cuda).

    Args:
        requested: the precision asked for; `auto` picks the fastest accurate one (int8 only
            from an int8 file: `onnx_file_precision`).
        backend: torch, onnxruntime or openvino.
        device_type: cpu or cuda.
        cpu: the CPU's features (default: this machine's).

    Returns:
        The precision to run in, with the reason (logged by the caller).

    Raises:
        ValueError: an unknown precision, or one this hardware/backend does not run natively.
    """
    if requested not in PRECISION_CHOICES:
        raise ValueError(f"precision must be one of {PRECISION_CHOICES}, got {requested!r}")
    if requested == "int8":
        raise ValueError(
            f"precision int8 runs from an int8 ONNX file on onnxruntime or openvino "
            f"({INT8_EXPORT_HINT})"
        )
    cpu = cpu or cpu_features()
    if requested == "fp32":
        return PrecisionChoice("fp32", "requested")
    if device_type == "cuda":
        if requested == "auto":
            # fp16 tensor cores on every CUDA GPU since Volta; more mantissa than bf16.
            return PrecisionChoice("fp16", "CUDA runs fp16 natively (tensor cores)")
        return PrecisionChoice(requested, "requested")
    if requested == "fp16":
        raise ValueError(
            "precision fp16 is not supported on CPU (about 6x slower than fp32); use fp32 or auto"
        )
    if backend == "onnxruntime":
        if requested == "bf16":
            raise ValueError(
                "onnxruntime has no bf16 CPU kernels; use --backend openvino or torch for bf16, "
                "or precision fp32"
            )
        return PrecisionChoice("fp32", "onnxruntime runs fp32 on CPU (no bf16 kernels)")
    if cpu.native_bf16:
        return PrecisionChoice(
            "bf16", f"native bf16 on this CPU ({cpu.summary()}); depth within 1 % of fp32"
        )
    if requested == "bf16":
        raise ValueError(
            f"bf16 is not native on this CPU ({cpu.summary()}): emulated it is several times "
            "slower than fp32; use fp32 or auto (needs avx512_bf16 or amx_bf16)"
        )
    return PrecisionChoice(
        "fp32", f"no native bf16 on this CPU ({cpu.summary()}): emulated bf16 is slower than fp32"
    )
