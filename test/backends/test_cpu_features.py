"""CPU feature detection from /proc/cpuinfo text."""

from __future__ import annotations

from sharp_depth_ros.backends.cpu_features import cpu_features, parse_cpuinfo

AVX2_ONLY = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse avx avx2 fma\n\n"
SAPPHIRE_RAPIDS = "model name : Xeon\nflags : avx2 avx512f amx_tile amx_bf16 avx512_bf16\n"


def test_avx2_only_cpu_has_no_native_bf16():
    features = parse_cpuinfo(AVX2_ONLY)
    assert features.model_name == "AMD EPYC"
    assert not features.native_bf16
    assert features.summary() == "AMD EPYC: avx2 fma"


def test_amx_or_avx512_bf16_cpu_has_native_bf16():
    assert parse_cpuinfo(SAPPHIRE_RAPIDS).native_bf16
    assert parse_cpuinfo("flags : avx512_bf16\n").native_bf16
    assert parse_cpuinfo("flags : amx_bf16\n").native_bf16


def test_only_the_first_processor_is_read():
    text = AVX2_ONLY + "processor\t: 1\nmodel name\t: other\nflags\t\t: avx512_bf16\n"
    features = parse_cpuinfo(text)
    assert features.model_name == "AMD EPYC" and not features.native_bf16


def test_this_machine_reports_a_summary():
    assert cpu_features().summary()
