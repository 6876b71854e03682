"""The training curriculum as data: stages, their loss terms per data-set kind, and step lookup.

Paper §3.2 and App. B.5-B.6: stage 1 trains on every data set with a per-kind objective chosen
for robustness, stage 2 sharpens boundaries on synthetic data only, and (§3.3) a last stage
trains the focal-length head on the frozen depth network.
"""

from __future__ import annotations

import typing
from dataclasses import field
from typing import Annotated, Any, Literal

import torch
from pydantic import Field, NonNegativeFloat, PositiveInt, field_validator
from pydantic.dataclasses import dataclass

from sharp_depth_ros.losses import LOSSES
from sharp_depth_ros.pinhole import fov_from_focal_ratio, span_over_width
from sharp_depth_ros.training.schedule import ScheduleConfig
from sharp_depth_ros.typed_config import STRICT, require_named_entries

# Data-set kinds (§3.2): metric or not (known absolute scale), synthetic or real (exact or noisy
# ground truth). The kind decides the stage-1 loss.
DatasetKind = Literal["metric_synthetic", "metric_real", "nonmetric_synthetic", "nonmetric_real"]
DATASET_KINDS: tuple[str, ...] = typing.get_args(DatasetKind)
TrainablePart = Literal["depth", "fov", "refiner"]
TRAINABLE_PARTS: tuple[str, ...] = typing.get_args(TrainablePart)
FOV_LOSS = "fov_l2"


@dataclass(frozen=True, kw_only=True, config=STRICT)
class LossTerm:
    """One weighted loss of a stage; `name` is a key of `sharp_depth_ros.losses.LOSSES`."""

    name: str
    weight: NonNegativeFloat = 1.0  # the paper gives no term weights; equal weights

    @field_validator("name")
    @classmethod
    def _known_loss(cls, name: str) -> str:
        if name not in LOSSES:
            raise ValueError(f"unknown loss name {name!r}; expected one of {sorted(LOSSES)}")
        return name


def _terms(*names: str) -> tuple[LossTerm, ...]:
    return tuple(LossTerm(name=name) for name in names)


# kind -> loss terms. A stage draws only from data sets whose kind its objective lists.
OBJECTIVES: dict[str, dict[str, tuple[LossTerm, ...]]] = {
    # §3.2 / App. B.6 stage 1: robust objectives; trimmed on (noisy) real data; SSI-normalised
    # where the data set has no metric scale; SSI gradients sharpen synthetic sets (Tab. 12, 1C).
    "stage1": {
        "metric_synthetic": _terms("mae", "ssi_mage"),
        "metric_real": _terms("trimmed_mae"),
        "nonmetric_synthetic": _terms("ssi_mae", "ssi_mage"),
        "nonmetric_real": _terms("ssi_trimmed_mae"),
    },
    # App. B.6 stage 2: synthetic metric data only, all pixel and derivative losses.
    "stage2": {"metric_synthetic": _terms("mae", "mse", "mage", "male", "msge")},
    # §3.3 / App. C.2: the FOV head alone, L2 on the field of view; unknown focals are masked.
    "focal": {kind: _terms(FOV_LOSS) for kind in DATASET_KINDS},
}


@dataclass(frozen=True, kw_only=True, config=STRICT)
class StageConfig:
    """One stage: its length, objective, learning rates and what it trains.

    Attributes:
        name: label used in logs and file names (`model-<name>.safetensors`).
        steps: number of optimizer steps.
        objective: a key of `OBJECTIVES`, or "custom" to use `losses`.
        losses: for "custom": (kind, terms) pairs; YAML may write them as a mapping
            `{kind: [name, {name: ..., weight: ...}]}`.
        trains: "depth" (encoders, decoder, head), "fov" (the focal head; depth frozen) or
            "refiner" (the full-resolution refiner of a ConvDepthPro; the rest frozen).
        lr_encoder: Adam rate of the ViT encoders.
        lr_decoder: Adam rate of everything else that trains.
        schedule: warm-up / constant / decay fractions.
        datasets: names of the data sets to draw from; empty = all whose kind the objective lists.
        average_last: share of the stage's last steps whose weights are averaged (uniformly,
            after every step; `stage_average.py`); the stage ends with the mean in place of its
            last weights. 0 = off.
        fov_encoder_from_backbone: with `trains: fov`, start the FOV head's image encoder
            (`ConvDepthConfig.fov_encoder_stages` > 0) from the depth backbone's weights at the
            stage's first step, its projection at zero: a from-scratch curriculum gives the
            focal stage its trained backbone, as Depth Pro starts its FOV encoder from
            pretrained weights (§3.3).
    """

    name: Annotated[str, Field(min_length=1)]
    steps: PositiveInt
    objective: str = "stage1"
    losses: tuple[tuple[DatasetKind, tuple[LossTerm, ...]], ...] = ()
    trains: TrainablePart = "depth"
    lr_encoder: NonNegativeFloat = 1.28e-5  # Tab. 16
    lr_decoder: NonNegativeFloat = 1.28e-4  # Tab. 16
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    datasets: tuple[str, ...] = ()
    average_last: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    fov_encoder_from_backbone: bool = False

    @field_validator("objective")
    @classmethod
    def _known_objective(cls, objective: str) -> str:
        if objective != "custom" and objective not in OBJECTIVES:
            raise ValueError(
                f"unknown objective {objective!r}; expected one of {[*OBJECTIVES, 'custom']}"
            )
        return objective

    @field_validator("losses", mode="before")
    @classmethod
    def _losses_from_mapping(cls, value: Any) -> Any:
        """YAML's `{kind: [mae, {name: mse, weight: 0.5}]}` -> ((kind, (terms...)), ...)."""
        if isinstance(value, dict):
            value = tuple(value.items())
        if not isinstance(value, list | tuple):
            return value
        return tuple(_named_terms(pair) for pair in value)

    def __post_init__(self) -> None:
        if self.fov_encoder_from_backbone and self.trains != "fov":
            raise ValueError("fov_encoder_from_backbone applies to a stage with trains: fov")
        if (self.objective == "custom") != bool(self.losses):
            raise ValueError("give `losses` exactly when objective is 'custom'")
        uses_fov = any(
            t.name == FOV_LOSS for terms in self.losses_by_kind().values() for t in terms
        )
        if uses_fov != (self.trains == "fov"):
            raise ValueError(
                f"trains={self.trains!r} but the fov_l2 loss is "
                f"{'used' if uses_fov else 'not used'}; the FOV stage trains 'fov' with fov_l2 only"
            )

    def losses_by_kind(self) -> dict[str, tuple[LossTerm, ...]]:
        """Data-set kind -> loss terms of this stage (kinds absent here are not sampled)."""
        if self.objective == "custom":
            return dict(self.losses)
        return OBJECTIVES[self.objective]


def _named_terms(pair: Any) -> Any:
    """(kind, [name or {name, weight}, ...]) -> (kind, ({name: ...}, ...)); others as given."""
    sequence = list | tuple
    if not (isinstance(pair, sequence) and len(pair) == 2 and isinstance(pair[1], sequence)):
        return pair
    kind, terms = pair
    return (kind, tuple({"name": term} if isinstance(term, str) else term for term in terms))


@dataclass(frozen=True, kw_only=True, config=STRICT)
class CurriculumConfig:
    """Stages run in order; the global step runs through them without restarting."""

    stages: tuple[StageConfig, ...]

    def __post_init__(self) -> None:
        require_named_entries([stage.name for stage in self.stages], "stages", "stage")

    @property
    def total_steps(self) -> int:
        """Steps of all stages together."""
        return sum(stage.steps for stage in self.stages)

    def stage_start(self, index: int) -> int:
        """Global step at which stage `index` begins."""
        return sum(stage.steps for stage in self.stages[:index])

    def stage_at(self, step: int) -> tuple[int, int]:
        """Return (stage index, step inside that stage) for a 0-based global step.

        Raises:
            ValueError: if step is outside [0, total_steps).
        """
        if not 0 <= step < self.total_steps:
            raise ValueError(f"step={step!r} is invalid; expected in [0, {self.total_steps})")
        start = 0
        for index, stage in enumerate(self.stages):
            if step < start + stage.steps:
                return index, step - start
            start += stage.steps
        raise AssertionError("unreachable")


def stage_loss(
    stage: StageConfig,
    pred_inverse_depth: torch.Tensor,
    pred_fov_deg: torch.Tensor | None,
    batch: dict[str, torch.Tensor],
    fov_span: str = "width",
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Weighted sum of the stage's loss terms, each applied to the images of its kind.

    Every image weighs the same: a kind's terms are scaled by its share of the batch, so the
    mean of this loss over equal shards of a batch equals the loss of the whole batch (what
    DistributedDataParallel's gradient averaging needs).

    Args:
        stage: the stage.
        pred_inverse_depth: (B, 1, S, S) predicted canonical inverse depth.
        pred_fov_deg: (B,) predicted FOV, required when the stage uses fov_l2.
        batch: `inverse_depth` (B, 1, S, S), `valid` (B, 1, S, S) bool, `fov_deg` (B,),
            `has_focal` (B,) bool and `kind` (B,) int index into DATASET_KINDS; with a
            `fov_span` other than "width" also `focal_ratio` (B,) and `aspect` (B,).
        fov_span: what the predicted FOV spans (`ConvDepthConfig.fov_span`); the target angle
            is taken across the same span.

    Returns:
        The scalar loss and the detached value of each term, keyed "<kind>/<loss>".
    """
    batch_size = pred_inverse_depth.shape[0]
    pred = pred_inverse_depth.float()  # losses in float32 even under autocast
    total = pred.sum() * 0.0  # keeps the graph for a batch no term applies to
    terms: dict[str, torch.Tensor] = {}
    target_fov_deg = batch["fov_deg"]
    if fov_span != "width":
        span = span_over_width(fov_span, batch["aspect"])
        target_fov_deg = fov_from_focal_ratio(batch["focal_ratio"], span)
    for kind, kind_terms in stage.losses_by_kind().items():
        selected = batch["kind"] == DATASET_KINDS.index(kind)
        count = int(selected.sum())
        if count == 0:
            continue
        for term in kind_terms:
            if term.name == FOV_LOSS:
                if pred_fov_deg is None:
                    raise ValueError(f"stage {stage.name!r} needs the FOV prediction")
                value = LOSSES[FOV_LOSS](
                    pred_fov_deg.float()[selected],
                    target_fov_deg[selected],
                    batch["has_focal"][selected],
                )
            else:
                value = LOSSES[term.name](
                    pred[selected], batch["inverse_depth"][selected], batch["valid"][selected]
                )
            total = total + (count / batch_size) * term.weight * value
            terms[f"{kind}/{term.name}"] = value.detach()
    return total, terms
