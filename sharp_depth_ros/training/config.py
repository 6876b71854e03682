"""Frozen training configs and their strict YAML/dict parsing.

`TrainConfig.from_dict` builds the whole tree and rejects unknown keys, naming where they are,
so a typo in a YAML recipe fails at start-up instead of silently using a default.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharp_depth_ros.training.curriculum import (
    DATASET_KINDS,
    CurriculumConfig,
    LossTerm,
    StageConfig,
)
from sharp_depth_ros.training.schedule import ScheduleConfig

DATASET_SOURCES = ("analytic", "folder", "synthetic")
PRECISIONS = ("fp32", "bf16", "fp16")


def _require(condition: bool, name: str, value: Any, allowed: str) -> None:
    if not condition:
        raise ValueError(f"{name}={value!r} is invalid; expected {allowed}")


CONV_INITS = ("fan_in", "torch")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Which network to train: a preset, optionally initialised from a checkpoint.

    Attributes:
        preset: preset name (`sharp_depth_ros.model.list_presets()`); for an official checkpoint,
            the layout of its weights.
        checkpoint: optional path of our or the official checkpoint to start from (fine-tuning).
        init_inverse_depth: for a fresh network, the canonical inverse depth it starts at: the
            bias of the depth head's last convolution (its log for ConvDepthPro, whose output
            is exp(z)). The ViT preset's zero bias can leave every pixel below the final ReLU
            (sharp-small-vit does): no output, no gradient, no training. 0.3 is f/W = 0.8 at
            2.7 m.
        init_fov_deg: for a fresh network, the FOV head's starting output (its last bias), so
            the focal stage starts near typical cameras instead of at 0 degrees.
        init_layer_scale: for a fresh ViT network, the starting value of every LayerScale
            factor; 0 keeps the preset's (DINOv2's 1e-5, meant for pretrained blocks: from
            scratch it leaves the blocks nearly inert for hundreds of steps).
        conv_init: for a fresh ViT network (ConvDepthPro initialises itself), how the
            convolutions outside the ViTs start. "fan_in" (default): zero-mean normal weights
            with variance 1 / fan-in, where a stride-2, 2x2 transposed convolution has fan-in =
            its input channels, so every layer keeps the scale of its input. "torch": PyTorch's
            default, which takes the fan-in of a transposed convolution from its *output*
            channels times the kernel area and so shrinks the signal about 3.5x per 2x
            upsampling: the three-step upsampler of the finest patch features starts 80x weaker
            than with "fan_in", and a fresh network gives nearly the same depth map for every
            image (docs/default-model.md).
    """

    preset: str = "sharp-small"
    checkpoint: str = ""
    init_inverse_depth: float = 0.3
    init_fov_deg: float = 60.0
    init_layer_scale: float = 0.0
    conv_init: str = "fan_in"

    def __post_init__(self) -> None:
        _require(
            self.conv_init in CONV_INITS,
            "model.conv_init",
            self.conv_init,
            " or ".join(repr(name) for name in CONV_INITS),
        )
        _require(
            self.init_inverse_depth > 0,
            "model.init_inverse_depth",
            self.init_inverse_depth,
            "a number > 0",
        )
        _require(
            0 < self.init_fov_deg < 180,
            "model.init_fov_deg",
            self.init_fov_deg,
            "a number in (0, 180)",
        )
        _require(
            math.isfinite(self.init_layer_scale) and self.init_layer_scale >= 0,
            "model.init_layer_scale",
            self.init_layer_scale,
            "a number >= 0 (0 = the preset's initialisation)",
        )


@dataclass(frozen=True, kw_only=True)
class DatasetConfig:
    """One training or validation data set.

    Attributes:
        name: label in logs and in `StageConfig.datasets`.
        kind: one of DATASET_KINDS (decides the stage-1 loss).
        source: "synthetic" (shards of `sharp-depth synth`), "folder" (the rgb/ depth/
            intrinsics/ layout of docs/evaluation.md) or "analytic" (procedural planes, tests).
        path: folder of the data (unused for "analytic"); relative paths are from the CWD.
        weight: sampling weight when data sets are mixed (relative, > 0).
        size: number of samples for "analytic"; for the others 0 = all, else the first `size`.
        augment: apply the data set's training augmentations (never for validation).
    """

    name: str
    kind: str
    source: str
    path: str = ""
    weight: float = 1.0
    size: int = 0
    augment: bool = True

    def __post_init__(self) -> None:
        _require(
            self.kind in DATASET_KINDS,
            f"dataset {self.name!r} kind",
            self.kind,
            f"one of {DATASET_KINDS}",
        )
        _require(
            self.source in DATASET_SOURCES,
            f"dataset {self.name!r} source",
            self.source,
            f"one of {DATASET_SOURCES}",
        )
        _require(
            self.source == "analytic" or bool(self.path),
            f"dataset {self.name!r} path",
            self.path,
            "a folder for sources other than 'analytic'",
        )
        _require(
            math.isfinite(self.weight) and self.weight > 0,
            f"dataset {self.name!r} weight",
            self.weight,
            "a finite number > 0",
        )
        _require(self.size >= 0, f"dataset {self.name!r} size", self.size, "an integer >= 0")


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """Training data and batching.

    Attributes:
        datasets: the training data sets.
        batch_size: global batch (all processes together); Tab. 16 uses 128.
        num_workers: DataLoader worker processes per training process.
    """

    datasets: tuple[DatasetConfig, ...]
    batch_size: int = 8
    num_workers: int = 0

    def __post_init__(self) -> None:
        _require(len(self.datasets) > 0, "data.datasets", self.datasets, "at least one data set")
        names = [d.name for d in self.datasets]
        _require(len(set(names)) == len(names), "data.datasets names", names, "unique names")
        _require(self.batch_size >= 1, "data.batch_size", self.batch_size, "an integer >= 1")
        _require(self.num_workers >= 0, "data.num_workers", self.num_workers, "an integer >= 0")


@dataclass(frozen=True, kw_only=True)
class OptimConfig:
    """Adam and its safeguards (Tab. 16).

    Attributes:
        grad_clip_norm: clip the global gradient norm to this (0 = no clipping).
        weight_decay: Adam weight decay.
        betas: Adam betas.
        freeze_layernorm: keep the encoders' LayerNorm weights fixed (pretrained statistics).
        precision: "fp32", "bf16" (autocast) or "fp16" (autocast + GradScaler; CUDA only).
    """

    grad_clip_norm: float = 0.2  # Tab. 16
    weight_decay: float = 0.0  # Tab. 16
    betas: tuple[float, float] = (0.9, 0.999)  # Adam defaults; not given in the paper
    freeze_layernorm: bool = False  # Tab. 16 freezes *pretrained* LayerNorms; ours start random
    precision: str = "fp32"

    def __post_init__(self) -> None:
        _require(self.grad_clip_norm >= 0, "optim.grad_clip_norm", self.grad_clip_norm, ">= 0")
        _require(self.weight_decay >= 0, "optim.weight_decay", self.weight_decay, ">= 0")
        _require(
            len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas),
            "optim.betas",
            self.betas,
            "two numbers in [0, 1)",
        )
        _require(
            self.precision in PRECISIONS, "optim.precision", self.precision, f"one of {PRECISIONS}"
        )


@dataclass(frozen=True, kw_only=True)
class ValidationConfig:
    """Held-out evaluation during training.

    Attributes:
        datasets: validation data sets (never augmented); empty = no validation.
        every_steps: validate every N global steps (0 = only at the end of each stage).
        max_images: at most this many images per validation round (0 = all).
    """

    datasets: tuple[DatasetConfig, ...] = ()
    every_steps: int = 0
    max_images: int = 64

    def __post_init__(self) -> None:
        _require(self.every_steps >= 0, "validation.every_steps", self.every_steps, ">= 0")
        _require(self.max_images >= 0, "validation.max_images", self.max_images, ">= 0")


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """A whole training recipe (one YAML file under config/train/).

    Attributes:
        model: the network and its initial weights.
        data: training data and batch size.
        curriculum: the stages.
        optim: optimizer settings shared by the stages.
        validation: held-out evaluation.
        seed: seeds the weights, the data order and the augmentations.
        checkpoint_every_steps: resumable checkpoint interval (a kill loses at most this).
        log_every_steps: metrics-log interval.
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig
    curriculum: CurriculumConfig
    optim: OptimConfig = field(default_factory=OptimConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    seed: int = 0
    checkpoint_every_steps: int = 500
    log_every_steps: int = 10

    def __post_init__(self) -> None:
        _require(
            self.checkpoint_every_steps >= 1,
            "checkpoint_every_steps",
            self.checkpoint_every_steps,
            "an integer >= 1",
        )
        _require(
            self.log_every_steps >= 1, "log_every_steps", self.log_every_steps, "an integer >= 1"
        )
        names = {d.name for d in self.data.datasets}
        for stage in self.curriculum.stages:
            unknown = sorted(set(stage.datasets) - names)
            _require(
                not unknown,
                f"stage {stage.name!r} datasets",
                stage.datasets,
                f"names from data.datasets {sorted(names)}",
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain form (the inverse of `from_dict`)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from nested dicts (parsed YAML); unknown keys raise ValueError naming them."""
        return _build(cls, data, "config")

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        """Read a YAML recipe.

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: invalid YAML, unknown keys or invalid values.
        """
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"training config {path} not found")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a YAML mapping at the top level")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error


def _stage_losses(value: Any, where: str) -> tuple[tuple[str, tuple[LossTerm, ...]], ...]:
    """YAML `losses: {kind: [mae, {name: mse, weight: 0.5}]}` -> (kind, terms) pairs."""
    if isinstance(value, dict):
        value = list(value.items())
    pairs = []
    for kind, terms in value:
        built = tuple(
            LossTerm(name=t) if isinstance(t, str) else _build(LossTerm, t, f"{where}.{kind}")
            for t in terms
        )
        pairs.append((kind, built))
    return tuple(pairs)


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        return value
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list | tuple):
            raise ValueError(f"{where}={value!r} is invalid; expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        return tuple(value)
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise ValueError(f"{where}={data!r} is invalid; expected a mapping")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; allowed keys are {known}")
    kwargs = {}
    for key, value in data.items():
        if cls is StageConfig and key == "losses":
            kwargs[key] = _stage_losses(value, f"{where}.losses")
        else:
            kwargs[key] = _convert(hints[key], value, f"{where}.{key}")
    try:
        return cls(**kwargs)
    except TypeError as error:  # missing required fields
        raise ValueError(f"{where}: {error}") from None


__all__ = [
    "DATASET_SOURCES",
    "PRECISIONS",
    "CurriculumConfig",
    "DataConfig",
    "DatasetConfig",
    "LossTerm",
    "ModelConfig",
    "OptimConfig",
    "ScheduleConfig",
    "StageConfig",
    "TrainConfig",
    "ValidationConfig",
]
