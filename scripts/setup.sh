#!/usr/bin/env bash
# Create .venv in the repository root and install everything the package and its tests need.
# Safe to re-run: an existing .venv is reused and brought up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install -q --disable-pip-version-check "$@"; }

pip_install --upgrade pip
# Pinned first: on this machine kind pip takes both from local disk (timm needs torchvision).
pip_install torch==2.14.1 torchvision==0.29.1
pip_install -r requirements.txt
pip_install --no-deps -e .
# Mitsuba's vectorised CPU variant (sharp-depth synth) needs libLLVM; Debian 12's LLVM 15/16 crash
# in Dr.Jit, 19 works. sharp_depth_ros.data.backend finds it (or honours DRJIT_LIBLLVM_PATH).
if command -v apt-get >/dev/null 2>&1 && ! dpkg -s libllvm19 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q libllvm19 || (apt-get update -q && apt-get install -y -q libllvm19)
  else
    echo "setup: warning: install libllvm19 (sudo apt-get install libllvm19) for sharp-depth synth"
  fi
fi
echo "setup: done (.venv ready)"
