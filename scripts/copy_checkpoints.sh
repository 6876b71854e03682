#!/usr/bin/env bash
# Copy a training run's rolling checkpoint.pt every SECONDS (default 290) while the run is
# alive, for a later weight average (scripts/average_weights.py; docs/default-model.md, run 4):
#   bash scripts/copy_checkpoints.sh runs/continue-r4 runs/continue-r4-copies &
# Copies are named by the time they were taken; scripts/export_weights.py prints each one's step.
set -euo pipefail
RUN=${1:?usage: copy_checkpoints.sh RUN_FOLDER DEST [SECONDS]}
DEST=${2:?usage: copy_checkpoints.sh RUN_FOLDER DEST [SECONDS]}
EVERY=${3:-290}
mkdir -p "$DEST"
until [ -f "$RUN/checkpoint.pt" ]; do sleep 10; done
last=0
while pgrep -f -- "--out $RUN" > /dev/null; do
  now=$(date +%s)
  if [ $((now - last)) -ge "$EVERY" ]; then
    cp "$RUN/checkpoint.pt" "$DEST/.copy.tmp" && mv "$DEST/.copy.tmp" "$DEST/checkpoint-$now.pt"
    last=$now
  fi
  sleep 10
done
