#!/usr/bin/env bash
# Render the default model's training, validation and evaluation data (resumable: run it again
# after an interruption). Recipe: config/train/sharp-small-robot.yaml; card: docs/default-model.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SYNTH=".venv/bin/sharp-depth synth --spp 4 --workers ${WORKERS:-2} --no-progress"
# Training: robot-view scenes (stage 1) and clutter scenes (mixed in for edges in stage 2).
# ROBOT_COUNT=4096 is the target; the shipped weights (GPU run of 2026-11-30) used its first 60
# shards (3840 scenes) and the first 8 clutter shards (512 scenes): docs/default-model.md.
$SYNTH --family robot --count "${ROBOT_COUNT:-4096}" --size 256x192 --vary-size --seed 0 \
    --out data/synth/robot-train
$SYNTH --family clutter --count "${CLUTTER_COUNT:-768}" --size 256x192 --vary-size --seed 0 \
    --out data/synth/clutter-train
# Validation (checkpoint selection): never the evaluation sets below.
$SYNTH --family robot --count 64 --size 256x192 --seed 1000 --out data/synth/robot-val \
    --shard-size 32
# Evaluation (issue 15's acceptance sets) and the shared real frames (without NYU's raw disparity).
$SYNTH --family robot --count 48 --size 384x288 --seed 900000 --out data/synth/robot-eval \
    --eval-folder data/eval/robot --shard-size 24
$SYNTH --family clutter --count 48 --size 384x288 --seed 900000 --out data/synth/clutter-eval \
    --eval-folder data/eval/clutter --shard-size 24
.venv/bin/python benchmarks/realdata_folder.py --out data/eval/real --skip nyu
