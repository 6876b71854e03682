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
echo "setup: done (.venv ready)"
