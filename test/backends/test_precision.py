"""Precision policy: low precision only where the hardware runs it natively."""

from __future__ import annotations

import pytest

from sharp_depth_ros.backends.cpu_features import parse_cpuinfo
from sharp_depth_ros.backends.precision import choose_precision, onnx_file_precision

AVX2 = parse_cpuinfo("model name: EPYC\nflags: avx2 fma\n")
NATIVE_BF16 = parse_cpuinfo("model name: Xeon\nflags: avx2 avx512_bf16 amx_bf16\n")


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_auto_chooses_bf16_only_on_a_cpu_with_native_bf16(backend):
    assert choose_precision("auto", backend, "cpu", NATIVE_BF16).precision == "bf16"
    choice = choose_precision("auto", backend, "cpu", AVX2)
    assert choice.precision == "fp32"
    assert "no native bf16" in choice.reason and "avx2" in choice.reason


def test_bf16_requested_on_an_avx2_cpu_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="not native on this CPU.*avx512_bf16 or amx_bf16"):
        choose_precision("bf16", "torch", "cpu", AVX2)


def test_onnxruntime_runs_fp32_on_cpu_even_with_native_bf16():
    assert choose_precision("auto", "onnxruntime", "cpu", NATIVE_BF16).precision == "fp32"
    with pytest.raises(ValueError, match="no bf16 CPU kernels"):
        choose_precision("bf16", "onnxruntime", "cpu", NATIVE_BF16)


def test_fp16_is_for_cuda_and_auto_picks_it_there():
    with pytest.raises(ValueError, match="fp16 is not supported on CPU"):
        choose_precision("fp16", "torch", "cpu", NATIVE_BF16)
    assert choose_precision("auto", "torch", "cuda", AVX2).precision == "fp16"
    assert choose_precision("fp32", "torch", "cuda", AVX2).precision == "fp32"


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        choose_precision("int4", "torch", "cpu", AVX2)


@pytest.mark.parametrize("backend", ["torch", "onnxruntime", "openvino"])
def test_int8_comes_only_from_an_int8_file(backend):
    with pytest.raises(ValueError, match="export --precision int8"):
        choose_precision("int8", backend, "cpu", AVX2)
    assert onnx_file_precision("auto", "int8", on_gpu=False).precision == "int8"
    assert onnx_file_precision("auto", "fp32", on_gpu=False) is None
    with pytest.raises(ValueError, match="for CPUs"):
        onnx_file_precision("int8", "int8", on_gpu=True)
