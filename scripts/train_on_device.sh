#!/usr/bin/env bash
# One-shot GPU run of the default model's recipe (issue 15): render robot-view and clutter
# scenes, train config/train/sharp-small-robot-device.yaml (the CPU recipe at 10x the steps and
# 4x the batch), evaluate, and leave weights plus report in $OUT. Budget: under 12 minutes.
#
# On the lent GPU machine (python3 there has torch, timm, opencv, safetensors, pyyaml, tqdm):
#   device.run(command="bash scripts/train_on_device.sh", carry=[...], timeout_s=720)
# Mitsuba is not installed there and its wheel (62.5 MB for cp312) nearly fills the 64 MiB a
# call may carry: stage it in an earlier call on the same warm machine (split in two halves,
# reassembled under /tmp/stage), or carry rendered shards under data/synth/ instead; both are
# found below. Rendering uses Mitsuba's cuda_ad_rgb variant where it loads, else llvm_ad_rgb
# with CPU workers, else the shards already present.
#
# CPU smoke test here (tiny counts and steps, a few minutes): SMOKE=1 bash scripts/train_on_device.sh
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
PY=${PY:-python3}
[ -x .venv/bin/python ] && [ -z "${DEVICE_PY:-}" ] && PY=.venv/bin/python
OUT=${OUT:-runs/device-out}
RUN=${RUN:-runs/device$([ "${SMOKE:-0}" = 1 ] && echo -smoke)}
mkdir -p "$OUT" "$RUN"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ls /tmp/stage/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/site /tmp/stage/*.whl
  export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
CLI=("$PY" -c "import sys; from sharp_depth_ros.cli import main; sys.exit(main())")
if [ "${SMOKE:-0}" = 1 ]; then
  # Tiny counts, 2 steps per stage, in a folder of its own (the real data folders are kept).
  ROBOT=${ROBOT:-16}; CLUTTER=${CLUTTER:-8}; VAL=8; EVAL=4; DEVICE=cpu
  DATA=${DATA:-runs/device-smoke-data}
  rm -rf "$RUN" "$DATA" && mkdir -p "$RUN"
  sed -E -e "s#data/synth/#$DATA/synth/#g" -e 's/steps: [0-9]+,/steps: 2,/' \
    -e 's/every_steps: [0-9]+/every_steps: 2/' -e 's/max_images: [0-9]+/max_images: 4/' \
    config/train/sharp-small-robot.yaml > "$RUN/recipe.yaml"
else
  ROBOT=${ROBOT:-8192}; CLUTTER=${CLUTTER:-2048}; VAL=64; EVAL=48; DEVICE=cuda; DATA=${DATA:-data}
  sed -e "s#data/synth/#$DATA/synth/#g" config/train/sharp-small-robot-device.yaml > "$RUN/recipe.yaml"
fi
WORKERS=$(nproc)
if "$PY" -c "import mitsuba; mitsuba.set_variant('cuda_ad_rgb')" 2>/dev/null && [ "$DEVICE" = cuda ]; then
  export SHARP_DEPTH_MITSUBA_VARIANT=cuda_ad_rgb
  WORKERS=4  # processes sharing the GPU; scene building in Python is their serial part
fi
render() {  # family count size seed folder [extra args]
  if "$PY" -c "import mitsuba" 2>/dev/null; then
    "${CLI[@]}" synth --family "$1" --count "$2" --size "$3" --seed "$4" --out "$5" --spp 4 \
      --workers "$WORKERS" --shard-size 32 --no-progress "${@:6}"
  elif ls "$5"/shard-*.npz >/dev/null 2>&1; then
    echo "train_on_device: no Mitsuba; using the shards already in $5"
  else
    echo "train_on_device: no Mitsuba and no shards in $5: stage the wheel or carry shards" >&2
    exit 1
  fi
}
SIZE=256x192
render robot "$ROBOT" $SIZE 0 "$DATA/synth/robot-train" --vary-size
render clutter "$CLUTTER" $SIZE 0 "$DATA/synth/clutter-train" --vary-size
render robot "$VAL" $SIZE 1000 "$DATA/synth/robot-val"
render robot "$EVAL" 384x288 900000 "$DATA/synth/robot-eval" --eval-folder "$DATA/eval/robot"
echo "train_on_device: data ready after $(( $(date +%s) - START )) s"
"${CLI[@]}" train "$RUN/recipe.yaml" --out "$RUN" --device "$DEVICE" --no-progress
echo "train_on_device: trained after $(( $(date +%s) - START )) s"
SETS=(--set "robot=$DATA/eval/robot")
if [ -d ../shared/realdata/open3d_rgbd ]; then
  "$PY" benchmarks/realdata_folder.py --out "$DATA/eval/real" --skip nyu >/dev/null
  SETS+=(--set "real=$DATA/eval/real")
fi
"$PY" -c "
import torch
from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.checkpoints.native import save_native
m = load_checkpoint('$RUN/model.safetensors').model
save_native(m, '$OUT/sharp-small.safetensors', m.config, preset='sharp-small', dtype=torch.float16)
"
"$PY" benchmarks/model_card_eval.py --checkpoint "$OUT/sharp-small.safetensors" \
  --train "$DATA/synth/robot-train" "${SETS[@]}" --out "$OUT/model-card.json"
cp "$RUN"/metrics.csv "$RUN"/validation.csv "$OUT"/
echo "train_on_device: done after $(( $(date +%s) - START )) s. To ship (after checking the report):"
echo "  cp $OUT/sharp-small.safetensors sharp_depth_ros/weights/sharp-small.safetensors"
echo "  git add sharp_depth_ros/weights/sharp-small.safetensors && git commit -m 'sharp-small: GPU run, see model-card.json'"
