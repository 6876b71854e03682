#!/usr/bin/env bash
# On a lent device machine: unpack the compact shards carried in COMPACT (default .devdata) into
# ordinary shards under DATA/synth (default /tmp/sharp-data), which scripts/train_on_device.sh
# reads. Run it in every call that carries a part of the data; folders accumulate while the
# machine stays warm. Folders named robot-train-X (X a letter b..i) join robot-train, their shards
# renumbered from 10000 * (X's place after a), so one recipe dataset reads them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
COMPACT=${COMPACT:-.devdata}
DATA=${DATA:-/tmp/sharp-data}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
for folder in "$COMPACT"/*/; do
  name=$(basename "$folder")
  target="$DATA/synth/$name"
  "$PY" -m sharp_depth_ros.data.compact_shards unpack "$folder" "$target" --workers "$(nproc)" --uncompressed
  case "$name" in
    robot-train-[b-i])
      extra=$(( $(printf '%d' "'${name#robot-train-}") - 97 ))
      mkdir -p "$DATA/synth/robot-train"
      for shard in "$target"/shard-*.npz; do
        number=$(basename "$shard" .npz); number=${number#shard-}
        mv "$shard" "$DATA/synth/robot-train/shard-$(( extra * 10000 + 10#$number ))".npz
      done
      ;;
  esac
done
for folder in "$DATA"/synth/*/; do
  echo "device_unpack_data: $(ls "$folder" | grep -c '^shard-') shards in $folder"
done
