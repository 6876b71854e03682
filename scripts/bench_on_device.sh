#!/usr/bin/env bash
# GPU speed of full `depth-pro` at 1536x1536 (issue 16, part 5), on a lent device machine:
# torch eager fp16 and bf16, then torch.compile'd fp16 and bf16 while BENCH_BUDGET_S lasts.
# Measured 2026-11-30 (docs/benchmarks.md): fp16 eager 53.5 ms, compiled (default mode) 42.7 ms,
# 53 s to compile. Next: PRECISIONS=fp16 COMPILE=1 COMPILE_MODE=reduce-overhead (CUDA graphs).
# Random weights (speed does not depend on them). JSON rows go to $OUT/gpu-bench.jsonl.
#   device.run(command="bash scripts/bench_on_device.sh", timeout_s=...)
# Then, with E2E=1 (default), the predictor end to end on a 640x480 frame (resize in, network,
# metric conversion, resize out: what the node runs per frame; the node's own message and cloud
# work is measured on the CPU in docs/benchmarks.md, since the device image has no ROS 2):
# benchmarks/bench_model.py, torch fp16, JSON in $OUT/predictor-e2e.json.
# Not yet here: ONNX Runtime CUDA / TensorRT rows (onnxruntime-gpu is not on the device image,
# and its wheel does not fit in one call's carry).
# CPU path: without CUDA the benchmark says so and exits 1 (it times GPUs only).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
[ -x .venv/bin/python ] && [ -z "${DEVICE_PY:-}" ] && PY=.venv/bin/python
OUT=${OUT:-runs/device-out}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
timeout "${BENCH_BUDGET_S:-150}" "$PY" benchmarks/bench_gpu_network.py --preset depth-pro \
  --precision "${PRECISIONS:-fp16,bf16}" ${COMPILE:+--compile} \
  --compile-mode "${COMPILE_MODE:-default}" --json "$OUT/gpu-bench.jsonl"
echo "bench_on_device: network exit $?"
if [ "${E2E:-1}" = 1 ] && "$PY" -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
  "$PY" -c "import cv2; cv2.imwrite('$OUT/frame-640x480.png', cv2.resize(cv2.imread('sharp_depth_ros/assets/demo/frame_000.png'), (640, 480), interpolation=cv2.INTER_CUBIC))"
  timeout "${E2E_BUDGET_S:-120}" "$PY" benchmarks/bench_model.py --preset depth-pro --device cuda \
    --backend torch --precision "${E2E_PRECISION:-fp16}" --repeats 20 --warmup 3 \
    --image "$OUT/frame-640x480.png" --json "$OUT/predictor-e2e.json"
  echo "bench_on_device: predictor end to end exit $?"
fi
