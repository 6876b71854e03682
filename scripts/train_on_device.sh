#!/usr/bin/env bash
# One-shot GPU run of the default model's recipe (issue 15): train
# config/train/sharp-small-robot-device.yaml (the CPU recipe's curriculum at batch 32, bf16) on a
# lent GPU machine and leave the weights in $OUT, split into parts of 15 MB (a device call returns
# at most 8 files of 16 MiB: two 29 MB weight files in two parts each, and the logs). Evaluation
# runs back here: benchmarks/model_card_eval.py.
#
# Data. The device machine has no Mitsuba (its wheel alone nearly fills the 64 MiB a call may
# carry), so the shards are rendered here and carried compactly (a tenth of their size):
#   python -m sharp_depth_ros.data.compact_shards pack data/synth/robot-train .devdata/robot-train
#   (likewise robot-train-b, clutter-train, robot-val), then in each call, carrying a part of
#   .devdata: `bash scripts/device_unpack_data.sh` (unpacks into $DATA on the warm machine).
# With Mitsuba importable and no shards in $DATA, the script renders instead (CUDA variant where
# it loads, else CPU workers).
#
# Steps: STAGE1, STAGE2 and FOCAL override the recipe's; PROBE=1 runs 60
# stage-1 steps and prints the seconds per step, to size a run. TRAIN_BUDGET_S stops training
# after that many seconds and exports the last checkpoint (checkpoint_every_steps), so a run
# always returns weights.
#
# CPU smoke test here (tiny counts and steps): SMOKE=1 bash scripts/train_on_device.sh
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
PY=${PY:-python3}
[ -x .venv/bin/python ] && [ -z "${DEVICE_PY:-}" ] && PY=.venv/bin/python
OUT=${OUT:-runs/device-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
CLI=("$PY" -c "import sys; from sharp_depth_ros.cli import main; sys.exit(main())")
RECIPE=config/train/sharp-small-robot-device.yaml
if [ "${SMOKE:-0}" = 1 ]; then
  DATA=${DATA:-runs/device-smoke-data}; DEVICE=cpu; RUN=${RUN:-runs/device-smoke}
  STAGE1=${STAGE1:-2}; STAGE2=${STAGE2:-2}; FOCAL=${FOCAL:-2}; BATCH=2; WORKERS_TRAIN=0
  ROBOT=16; CLUTTER=8; VAL=8
else
  DATA=${DATA:-/tmp/sharp-data}; DEVICE=${DEVICE:-cuda}; RUN=${RUN:-runs/device}
  ROBOT=${ROBOT:-8192}; CLUTTER=${CLUTTER:-2048}; VAL=64
  BATCH=${BATCH:-32}; WORKERS_TRAIN=${WORKERS_TRAIN:-15}
fi
if [ "${PROBE:-0}" = 1 ]; then
  STAGE1=60; STAGE2=2; FOCAL=2; RUN=$RUN-probe
fi
rm -rf "$RUN" && mkdir -p "$RUN"
PRECISION=(); [ "$DEVICE" = cpu ] && PRECISION=(--precision fp32)
"$PY" scripts/device_recipe.py "$RECIPE" "$RUN/recipe.yaml" --data "$DATA" --batch "$BATCH" \
  --workers "$WORKERS_TRAIN" --steps "stage1=${STAGE1:-0},stage2=${STAGE2:-0},focal=${FOCAL:-0}" \
  "${PRECISION[@]}"

has_shards() { ls "$1"/shard-*.npz >/dev/null 2>&1; }
render() {  # family count size seed folder [extra args]
  if has_shards "$5"; then
    echo "train_on_device: using the $(ls "$5"/shard-*.npz | wc -l) shards in $5"
  elif "$PY" -c "import mitsuba" 2>/dev/null; then
    local workers; workers=$(nproc)
    if [ "$DEVICE" = cuda ] && "$PY" -c "import mitsuba; mitsuba.set_variant('cuda_ad_rgb')" 2>/dev/null; then
      export SHARP_DEPTH_MITSUBA_VARIANT=cuda_ad_rgb; workers=4
    fi
    "${CLI[@]}" synth --family "$1" --count "$2" --size "$3" --seed "$4" --out "$5" --spp 4 \
      --workers "$workers" --shard-size 32 --no-progress "${@:6}"
  else
    echo "train_on_device: no shards in $5 and no Mitsuba: carry compact shards (see header)" >&2
    exit 1
  fi
}
render robot "$ROBOT" 256x192 0 "$DATA/synth/robot-train" --vary-size
render clutter "$CLUTTER" 256x192 0 "$DATA/synth/clutter-train" --vary-size
render robot "$VAL" 256x192 1000 "$DATA/synth/robot-val"
echo "train_on_device: data ready after $(( $(date +%s) - START )) s"

"${CLI[@]}" train "$RUN/recipe.yaml" --out "$RUN" --device "$DEVICE" --no-progress \
  > >(tee "$OUT/train.log") 2>&1 &
TRAIN_PID=$!
if [ "${TRAIN_BUDGET_S:-0}" -gt 0 ]; then
  (sleep "$TRAIN_BUDGET_S"; echo "train_on_device: budget reached, stopping"; kill -INT "$TRAIN_PID") &
  WATCHDOG=$!
fi
wait "$TRAIN_PID" && STATUS=0 || STATUS=$?
[ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null || true
echo "train_on_device: training ended (status $STATUS) after $(( $(date +%s) - START )) s"
"$PY" - "$RUN/metrics.csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for stage in dict.fromkeys(r["stage"] for r in rows):
    seconds = [float(r["seconds"]) for r in rows if r["stage"] == stage][1:]
    if seconds:
        print(f"train_on_device: {stage}: {statistics.median(seconds):.2f} s per log interval")
EOF
[ "${PROBE:-0}" = 1 ] && exit 0

export_weights() {  # source name
  "$PY" scripts/export_weights.py "$RUN/recipe.yaml" "$1" "$OUT/$2" --fp16
  split -b 15000000 -d "$OUT/$2" "$OUT/$2.part" && rm "$OUT/$2"
}
if [ -f "$RUN/model.safetensors" ]; then
  export_weights "$RUN/model.safetensors" sharp-small.safetensors
else
  export_weights "$RUN/checkpoint.pt" sharp-small-partial.safetensors
fi
[ -f "$RUN/model-stage1.safetensors" ] && export_weights "$RUN/model-stage1.safetensors" stage1.safetensors
cp "$RUN"/metrics.csv "$OUT"/ && cp "$RUN"/validation.csv "$OUT"/ 2>/dev/null || true
echo "train_on_device: done after $(( $(date +%s) - START )) s. Back here: cat OUT/X.part* > X,"
echo "  then benchmarks/model_card_eval.py --checkpoint X ... (docs/default-model.md)."
