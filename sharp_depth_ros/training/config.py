"""The training recipe as frozen, strictly typed configs (pydantic dataclasses).

`TrainConfig.from_yaml` / `from_dict` build the whole tree before any work and refuse unknown
keys, wrong types (`batch_size: four`, `augment: 'no'`) and out-of-range values, naming the full
key path, so a typo in a recipe fails at start-up instead of crashing later or using a default.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from pydantic.dataclasses import dataclass

from sharp_depth_ros.training.curriculum import (
    CurriculumConfig,
    DatasetKind,
    LossTerm,
    StageConfig,
)
from sharp_depth_ros.training.schedule import ScheduleConfig
from sharp_depth_ros.typed_config import STRICT, parse_config, read_yaml, require_named_entries

DatasetSource = Literal["analytic", "folder", "synthetic"]
DATASET_SOURCES: tuple[str, ...] = typing.get_args(DatasetSource)
Precision = Literal["fp32", "bf16", "fp16"]
PRECISIONS: tuple[str, ...] = typing.get_args(Precision)
ConvInit = Literal["fan_in", "torch"]
CONV_INITS: tuple[str, ...] = typing.get_args(ConvInit)
AdamBeta = Annotated[float, Field(ge=0.0, lt=1.0)]


@dataclass(frozen=True, kw_only=True, config=STRICT)
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
        add_refiner: for a ConvDepthPro loaded from a checkpoint without a full-resolution
            refiner, add a fresh one of this many channels (its correction starts at zero, so
            the loaded network's output is unchanged until a `trains: refiner` stage trains
            it); 0 = add none.
        fov_grid: for a ConvDepthPro loaded from a checkpoint, replace its FOV head by a fresh
            one that pools over this grid (`ConvDepthConfig.fov_grid`) when the checkpoint's
            grid differs; the depth network is untouched. 0 = keep the checkpoint's head.
        fov_encoder_stages: for a ConvDepthPro loaded from a checkpoint whose FOV head has no
            image encoder, give it one (`ConvDepthConfig.fov_encoder_stages`): a copy of the
            trained depth backbone's first this many stages, whose projection starts at zero
            (the head's output is unchanged until a focal stage trains it); 0 = add none.
            For a fresh convolutional network, the preset is built with that encoder; a focal
            stage with `fov_encoder_from_backbone` starts it from the trained backbone.
        fov_span: what the FOV head's angle spans (`ConvDepthConfig.fov_span`: "width" or
            "geometric_mean"); "" keeps the checkpoint's or the preset's. Switching a loaded
            head keeps its weights, so its output means another angle until a focal stage has
            retrained it.
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
    init_inverse_depth: PositiveFloat = 0.3
    init_fov_deg: Annotated[float, Field(gt=0.0, lt=180.0)] = 60.0
    init_layer_scale: NonNegativeFloat = 0.0
    conv_init: ConvInit = "fan_in"
    add_refiner: NonNegativeInt = 0
    fov_grid: NonNegativeInt = 0
    fov_encoder_stages: Annotated[int, Field(ge=0, le=4)] = 0
    fov_span: Literal["", "width", "geometric_mean"] = ""


@dataclass(frozen=True, kw_only=True, config=STRICT)
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
        sensor_noise: with `augment`, the chance that a sample gets camera noise
            (`AugmentConfig.noise_probability`; 0 = never, the paper's augmentations only).
        vignetting: with `augment`, the chance that a sample gets lens vignetting
            (`AugmentConfig.vignette_probability`; 0 = never).
        surface_texture: with `augment`, the chance that a sample's surfaces get a fine albedo
            texture of one metric size (`AugmentConfig.texture_probability`; 0 = never).
    """

    name: Annotated[str, Field(min_length=1)]
    kind: DatasetKind
    source: DatasetSource
    path: str = ""
    weight: PositiveFloat = 1.0
    size: NonNegativeInt = 0
    augment: bool = True
    sensor_noise: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    vignetting: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    surface_texture: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0

    def __post_init__(self) -> None:
        if self.source != "analytic" and not self.path:
            raise ValueError(
                f"dataset {self.name!r}: `path` is required for source {self.source!r}"
            )


@dataclass(frozen=True, kw_only=True, config=STRICT)
class DataConfig:
    """Training data and batching.

    Attributes:
        datasets: the training data sets.
        batch_size: global batch (all processes together); Tab. 16 uses 128.
        num_workers: DataLoader worker processes per training process.
    """

    datasets: tuple[DatasetConfig, ...]
    batch_size: PositiveInt = 8
    num_workers: NonNegativeInt = 0

    def __post_init__(self) -> None:
        require_named_entries([d.name for d in self.datasets], "datasets", "data set")


@dataclass(frozen=True, kw_only=True, config=STRICT)
class OptimConfig:
    """Adam and its safeguards (Tab. 16).

    Attributes:
        grad_clip_norm: clip the global gradient norm to this (0 = no clipping).
        weight_decay: Adam weight decay.
        betas: Adam betas.
        freeze_layernorm: keep the encoders' LayerNorm weights fixed (pretrained statistics).
        precision: "fp32", "bf16" (autocast) or "fp16" (autocast + GradScaler; CUDA only).
    """

    grad_clip_norm: NonNegativeFloat = 0.2  # Tab. 16
    weight_decay: NonNegativeFloat = 0.0  # Tab. 16
    betas: tuple[AdamBeta, AdamBeta] = (0.9, 0.999)  # Adam defaults; not given in the paper
    freeze_layernorm: bool = False  # Tab. 16 freezes *pretrained* LayerNorms; ours start random
    precision: Precision = "fp32"


@dataclass(frozen=True, kw_only=True, config=STRICT)
class ValidationConfig:
    """Held-out evaluation during training.

    Attributes:
        datasets: validation data sets (never augmented); empty = no validation.
        every_steps: validate every N global steps (0 = only at the end of each stage).
        max_images: at most this many images per validation round (0 = all).
    """

    datasets: tuple[DatasetConfig, ...] = ()
    every_steps: NonNegativeInt = 0
    max_images: NonNegativeInt = 64


@dataclass(frozen=True, kw_only=True, config=STRICT)
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
    seed: NonNegativeInt = 0
    checkpoint_every_steps: PositiveInt = 500
    log_every_steps: PositiveInt = 10

    def __post_init__(self) -> None:
        names = {d.name for d in self.data.datasets}
        for stage in self.curriculum.stages:
            unknown = sorted(set(stage.datasets) - names)
            if unknown:
                raise ValueError(
                    f"stage {stage.name!r} draws from unknown data sets {unknown}; "
                    f"expected names from data.datasets {sorted(names)}"
                )

    def to_dict(self) -> dict[str, Any]:
        """Plain form (the inverse of `from_dict`)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from nested dicts (parsed YAML or `to_dict`).

        Raises:
            ValueError: one line naming every unknown key, wrong type or invalid value by its
                full path (`config.curriculum.stages[0].steps`).
        """
        return parse_config(cls, data, "config")

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        """Read a YAML recipe (YAML 1.2 numbers: `1e-4` is a float).

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: invalid YAML, unknown keys, wrong types or invalid values.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"training config {path} not found")
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a YAML mapping at the top level")
        try:
            return cls.from_dict(data)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None


__all__ = [
    "CONV_INITS",
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
