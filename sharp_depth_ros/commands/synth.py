"""`sharp-depth synth`: render synthetic RGB-D samples with exact ground truth into shards.

Writes DIR/shard-NNNNN.npz (see docs/synthetic-data.md). Resumable: run the same command again and
complete shards are kept. With --contact-sheet, renders 16 samples into one PNG (RGB, depth,
foreground mask) instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_size(text: str) -> tuple[int, int]:
    """Parse "WxH" into (width, height)."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must look like 256x256, got {text!r}") from None
    return width, height


HELP = "render synthetic RGB-D training samples (Mitsuba 3)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `synth`."""
    parser.add_argument("--count", type=int, default=16, help="number of samples (default 16)")
    parser.add_argument("--size", default="256x256", help="image size WxH (default 256x256)")
    parser.add_argument("--out", type=Path, help="output folder for shards")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--shard-size", type=int, default=64, help="samples per shard (default 64)")
    parser.add_argument("--spp", type=int, default=8, help="RGB samples per pixel (default 8)")
    parser.add_argument(
        "--no-denoise",
        action="store_true",
        help="keep the raw path-traced RGB (default: Open Image Denoise before tone mapping)",
    )
    parser.add_argument(
        "--denoise-guides",
        action="store_true",
        help="give the denoiser albedo and normal images, so it keeps surface texture "
        "(no measurable cost at 256x192 spp 4; docs/benchmarks.md#texture-by-depth)",
    )
    parser.add_argument(
        "--surface-detail",
        action="store_true",
        help="robot-view materials with millimetre grain, so near surfaces show texture as "
        "real ones do (docs/benchmarks.md#texture-by-depth)",
    )
    parser.add_argument("--bounces", type=int, default=3, help="path length (default 3)")
    parser.add_argument(
        "--vary-size", action="store_true", help="random aspect ratio at about WxH pixels"
    )
    parser.add_argument(
        "--contact-sheet", type=Path, metavar="PNG", help="write a 16-sample contact sheet PNG"
    )
    parser.add_argument(
        "--eval-folder",
        type=Path,
        metavar="DIR",
        help="afterwards, also write the shards as a `sharp-depth eval` folder into DIR",
    )
    parser.add_argument(
        "--family",
        choices=("robot", "clutter", "mix"),
        default="mix",
        help="robot: rooms, corridors, warehouses, close-ups and streets seen by robot cameras "
        "(layout priors); clutter: random solids and thin structures (sharp edges); mix: half "
        "each (default)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Render the shards (or the contact sheet); returns 0."""
    from tqdm import tqdm

    from sharp_depth_ros.data.generate import generate
    from sharp_depth_ros.data.renderer import RenderConfig
    from sharp_depth_ros.data.scene_sampler import SceneConfig

    width, height = parse_size(args.size)
    scene = SceneConfig(
        width=width,
        height=height,
        vary_size=args.vary_size,
        family=args.family,
        surface_detail=args.surface_detail,
    )
    render = RenderConfig(
        spp=args.spp,
        max_bounces=args.bounces,
        denoise=not args.no_denoise,
        denoise_guides=args.denoise_guides,
    )
    if args.contact_sheet is not None:
        from sharp_depth_ros.data.contact_sheet import render_contact_sheet

        render_contact_sheet(
            args.contact_sheet, seed=args.seed, scene=scene, render=render, workers=args.workers
        )
        print(f"synth: wrote {args.contact_sheet}")
        return 0
    if args.out is None:
        raise ValueError("--out is required (or use --contact-sheet FILE)")
    with tqdm(total=args.count, unit="img", disable=args.no_progress) as bar:
        result = generate(
            args.out,
            count=args.count,
            seed=args.seed,
            scene=scene,
            render=render,
            shard_size=args.shard_size,
            workers=args.workers,
            progress=bar.update,
        )
    print(
        f"synth: {result.rendered} images in {result.seconds:.1f} s "
        f"({result.images_per_second:.2f} images/s), {result.written_shards} shards written, "
        f"{result.skipped_shards} already complete -> {args.out}"
    )
    if args.eval_folder is not None:
        from sharp_depth_ros.data.export import export_eval_folder

        exported = export_eval_folder(args.out, args.eval_folder)
        print(f"synth: {exported} samples as an evaluation folder -> {args.eval_folder}")
    return 0
