#!/usr/bin/env bash
# GPU speed of full `depth-pro` at 1536x1536 (issue 16, part 5), on a lent device machine:
# torch eager fp16 and bf16, then torch.compile'd fp16 and bf16 while BENCH_BUDGET_S lasts.
# Measured 2026-11-30 (docs/benchmarks.md): fp16 eager 53.5 ms, compiled (default mode) 42.7 ms,
# 53 s to compile. Next: PRECISIONS=fp16 COMPILE=1 COMPILE_MODE=reduce-overhead (CUDA graphs).
# Random weights (speed does not depend on them). JSON rows go to $OUT/gpu-bench.jsonl.
#   device.run(command="bash scripts/bench_on_device.sh", timeout_s=...)
# Not yet here: ONNX Runtime CUDA / TensorRT rows (they need `sharp-depth export`) and the
# node's end-to-end rate (no ROS 2 on the device image).
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
echo "bench_on_device: exit $?"
