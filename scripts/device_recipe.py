r"""Write a copy of a training recipe with a run's overrides (used by scripts/train_on_device.sh).

    python scripts/device_recipe.py RECIPE OUT --data /tmp/sharp-data --steps stage1=6000 \
        --batch 32 --workers 12 [--precision fp32]

`--data` replaces the `data/` prefix of every dataset path; validation runs three times during
stage 1 and a checkpoint is kept every tenth of it. Zero or absent steps keep the recipe's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml


def main() -> None:
    """Parse the arguments and write the recipe."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", required=True, help="folder that replaces data/ in paths")
    parser.add_argument("--steps", default="", help="stage=N,... (0 keeps the recipe's)")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--precision", help="override optim.precision")
    args = parser.parse_args()
    recipe = yaml.safe_load(args.recipe.read_text())
    steps = {k: int(v) for k, v in (p.split("=") for p in args.steps.split(",") if p)}
    stages = recipe["curriculum"]["stages"]
    for stage in stages:
        stage["steps"] = steps.get(stage["name"]) or stage["steps"]
    for dataset in recipe["data"]["datasets"] + recipe["validation"]["datasets"]:
        dataset["path"] = dataset["path"].replace("data/", f"{args.data.rstrip('/')}/", 1)
    recipe["data"].update(batch_size=args.batch, num_workers=args.workers)
    recipe["validation"]["every_steps"] = max(1, stages[0]["steps"] // 3)
    recipe["checkpoint_every_steps"] = max(1, stages[0]["steps"] // 10)
    if args.precision:
        recipe["optim"]["precision"] = args.precision
    args.out.write_text(yaml.safe_dump(recipe, sort_keys=False))
    print("device_recipe: steps", {s["name"]: s["steps"] for s in stages})


if __name__ == "__main__":
    main()
