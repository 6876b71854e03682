"""What the CPU runs natively: AVX-512 BF16, AMX or only AVX2 (Linux /proc/cpuinfo)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# Flags that make bf16 matrix products native: AVX-512 BF16 (Cooper Lake, Zen 4+) and AMX
# (Sapphire Rapids+). Without them bf16 is emulated and slower than fp32 (issue 16: 6.8x).
BF16_FLAGS = ("avx512_bf16", "amx_bf16")
REPORTED_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16")


@dataclass(frozen=True)
class CpuFeatures:
    """The CPU's model name and the SIMD flags that decide precision."""

    model_name: str
    flags: frozenset[str]

    @property
    def native_bf16(self) -> bool:
        """True if bf16 matrix products run in hardware (AVX-512 BF16 or AMX-BF16)."""
        return any(flag in self.flags for flag in BF16_FLAGS)

    def summary(self) -> str:
        """One line: model name and the precision-relevant flags it has."""
        present = [flag for flag in REPORTED_FLAGS if flag in self.flags] or ["no AVX2"]
        return f"{self.model_name}: {' '.join(present)}"


def parse_cpuinfo(text: str) -> CpuFeatures:
    """Read the first processor's model name and flags from /proc/cpuinfo text."""
    model_name, flags = "unknown CPU", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model_name == "unknown CPU":
            model_name = value.strip()
        elif key == "flags" and not flags:
            flags = frozenset(value.split())
    return CpuFeatures(model_name=model_name, flags=flags)


@functools.lru_cache(maxsize=1)
def cpu_features() -> CpuFeatures:
    """This machine's CPU features (no flags where /proc/cpuinfo is missing: fp32 is chosen)."""
    try:
        return parse_cpuinfo(CPUINFO.read_text())
    except OSError:
        return CpuFeatures(model_name="unknown CPU", flags=frozenset())
