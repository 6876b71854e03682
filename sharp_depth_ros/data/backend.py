"""Load Mitsuba 3 with its LLVM (vectorised CPU) variant, or fall back to `scalar_rgb`.

Mitsuba's `llvm_ad_rgb` variant JIT-compiles whole wavefronts of rays through Dr.Jit and needs
`libLLVM` at run time. On Debian 12 only LLVM 19 works (15 and 16 crash in Dr.Jit), so the set-up
script installs `libllvm19` and this module points `DRJIT_LIBLLVM_PATH` at it when unset.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
from types import ModuleType

LOGGER = logging.getLogger(__name__)

VECTOR_VARIANT = "llvm_ad_rgb"
SCALAR_VARIANT = "scalar_rgb"
# Another vectorised variant (e.g. cuda_ad_rgb on a GPU machine) is tried first when named here.
VARIANT_ENV = "SHARP_DEPTH_MITSUBA_VARIANT"

# Debian/Ubuntu paths of LLVM 19, the newest that Dr.Jit 1.x accepts and that works here.
_LLVM_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libLLVM-19.so*",
    "/usr/lib/aarch64-linux-gnu/libLLVM-19.so*",
    "/usr/lib/llvm-19/lib/libLLVM*.so*",
)


def find_libllvm() -> str | None:
    """Return the path of an installed libLLVM 19, or None."""
    for pattern in _LLVM_CANDIDATES:
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[0]
    return None


@functools.cache
def load_mitsuba(prefer_vectorised: bool = True) -> ModuleType:
    """Import Mitsuba and select its variant (once per process).

    Args:
        prefer_vectorised: try the variant named by SHARP_DEPTH_MITSUBA_VARIANT (if any),
            then `llvm_ad_rgb`; False forces `scalar_rgb`.

    Returns:
        The `mitsuba` module with a variant set. `mitsuba.variant()` tells which one.
    """
    if prefer_vectorised and "DRJIT_LIBLLVM_PATH" not in os.environ:
        path = find_libllvm()
        if path is not None:
            os.environ["DRJIT_LIBLLVM_PATH"] = path
    import mitsuba

    requested = os.environ.get(VARIANT_ENV, "")
    if prefer_vectorised and requested and requested != VECTOR_VARIANT:
        try:
            mitsuba.set_variant(requested)
            return mitsuba
        except (ImportError, AttributeError, RuntimeError) as error:
            LOGGER.warning(
                "Mitsuba variant %s (from %s) unavailable: %s", requested, VARIANT_ENV, error
            )
    if prefer_vectorised:
        try:
            mitsuba.set_variant(VECTOR_VARIANT)
            return mitsuba
        except (ImportError, AttributeError, RuntimeError) as error:
            LOGGER.warning(
                "Mitsuba variant %s unavailable (%s); falling back to %s, which is much slower. "
                "Install Debian's libllvm19 (scripts/setup.sh) or set DRJIT_LIBLLVM_PATH.",
                VECTOR_VARIANT,
                error,
                SCALAR_VARIANT,
            )
    mitsuba.set_variant(SCALAR_VARIANT)
    return mitsuba


def is_vectorised(mitsuba: ModuleType) -> bool:
    """Whether the active variant traces wavefronts (llvm/cuda) rather than single rays."""
    return not mitsuba.variant().startswith("scalar")


def set_render_threads(count: int) -> None:
    """Limit Dr.Jit's worker threads (one per process keeps K workers on K cores)."""
    import drjit

    drjit.set_thread_count(max(1, int(count)))
