"""Average the weights of several checkpoints of one run into one .safetensors file.

    python scripts/average_weights.py OUT.safetensors A.safetensors B.safetensors ... \
        [--take-last fov.] [--fp16]

Floating-point tensors are averaged uniformly; integer buffers and the tensors under each
`--take-last` prefix come from the last file (the FOV head, which only the focal stage trains).
Inputs are package checkpoints of one network (`scripts/export_weights.py` turns a run's
checkpoint.pt into one); the output is written atomically with the last file's preset.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.checkpoints.native import load_native, save_native
from sharp_depth_ros.training.weight_average import average_state_dicts


def main() -> None:
    """Parse the arguments, average, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("sources", type=Path, nargs="+", help="oldest first")
    parser.add_argument("--take-last", action="append", default=[], metavar="PREFIX")
    parser.add_argument("--fp16", action="store_true", help="store floats in half precision")
    args = parser.parse_args()
    loaded = [load_native(path) for path in args.sources]
    configs = {json.dumps(config.to_dict(), sort_keys=True) for config, _, _ in loaded}
    if len(configs) != 1:
        raise SystemExit("average_weights: the checkpoints hold different network configs")
    state = average_state_dicts([tensors for _, tensors, _ in loaded], args.take_last)
    model = load_checkpoint(args.sources[-1]).model
    model.load_state_dict(state, strict=True)
    _, _, metadata = loaded[-1]
    dtype = torch.float16 if args.fp16 else None
    save_native(model, args.out, model.config, preset=metadata.get("preset", ""), dtype=dtype)
    print(f"average_weights: {len(args.sources)} checkpoints -> {args.out}")


if __name__ == "__main__":
    main()
