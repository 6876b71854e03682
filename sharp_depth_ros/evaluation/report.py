"""Write an evaluation as `metrics.json` and a Markdown table `metrics.md`, atomically."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.evaluation.runner import METRIC_NAMES, EvaluationResult

JSON_NAME = "metrics.json"
MARKDOWN_NAME = "metrics.md"
DECIMALS = 4


def result_to_dict(result: EvaluationResult, dataset: str = "") -> dict:
    """JSON-ready dictionary: settings, per-image metrics, means and counts (None = n/a)."""
    return {
        "dataset": dataset,
        **dataclasses.asdict(result.config),
        "image_count": len(result.per_image),
        "metrics": list(METRIC_NAMES),
        "aggregate": result.aggregate,
        "counts": result.counts,
        "per_image": result.per_image,
    }


def format_value(value: float | None) -> str:
    """A table cell: fixed decimals, or '-' where the metric does not apply."""
    return "-" if value is None else f"{value:.{DECIMALS}f}"


def result_to_markdown(result: EvaluationResult, dataset: str = "") -> str:
    """A Markdown report: settings, then one row per image and a final row of means."""
    config = result.config
    header = ["image", *METRIC_NAMES]
    lines = [
        "# Evaluation",
        "",
        f"Data set: `{dataset}`; {len(result.per_image)} images; alignment `{config.alignment}`; "
        f"depth range [{config.min_depth_m:g}, {config.max_depth_m:g}] m. "
        "`-`: not applicable (see docs/evaluation.md).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(METRIC_NAMES)) + "|",
    ]
    for name, row in result.per_image.items():
        cells = [name, *(format_value(row.get(metric)) for metric in METRIC_NAMES)]
        lines.append("| " + " | ".join(cells) + " |")
    means = [format_value(result.aggregate.get(metric)) for metric in METRIC_NAMES]
    lines.append("| **mean** | " + " | ".join(means) + " |")
    counts = [str(result.counts.get(metric, 0)) for metric in METRIC_NAMES]
    lines.append("| images | " + " | ".join(counts) + " |")
    return "\n".join(lines) + "\n"


def write_report(result: EvaluationResult, out_dir: str | Path, dataset: str = "") -> list[Path]:
    """Write `metrics.json` and `metrics.md` into `out_dir` atomically; returns their paths."""
    out_dir = Path(out_dir)
    json_path, markdown_path = out_dir / JSON_NAME, out_dir / MARKDOWN_NAME
    text = json.dumps(result_to_dict(result, dataset), indent=2, allow_nan=False)
    atomic_write_text(json_path, text + "\n")
    atomic_write_text(markdown_path, result_to_markdown(result, dataset))
    return [json_path, markdown_path]
