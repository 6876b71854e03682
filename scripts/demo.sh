#!/usr/bin/env bash
# The node demo: start the sharp_depth node, play the bundled frames (+ CameraInfo) into it from a
# second process, and write depth images, a .ply point cloud and a rate/latency summary.
#   scripts/demo.sh [OUT_DIR] [extra args for python -m sharp_depth_ros.ros.demo]
# MODEL_PRESET picks the model (default sharp-small, the trained model shipped in the package).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-demo_out}
shift || true
PRESET=${MODEL_PRESET-sharp-small}
EXTRA=()
# Random weights give depths far beyond the 100 m cloud clip: keep them for the demo cloud.
if [ "$PRESET" = test-tiny ]; then EXTRA=(--max-depth-m 10000); fi
exec .venv/bin/python -m sharp_depth_ros.ros.demo --out "$OUT" --preset "$PRESET" "${EXTRA[@]}" "$@"
