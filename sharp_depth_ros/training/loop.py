"""The training loop: one function that runs a `TrainConfig` from its first or a resumed step.

Files in the output folder: `checkpoint.pt` (resumable, every `checkpoint_every_steps`),
`metrics.csv`, `validation.csv`, `model-<stage>.safetensors` at the end of each stage,
`best-<stage>.safetensors` (best validation score of the stage) and `model.safetensors` (final),
the last three in the package's checkpoint format for `sharp-depth predict --checkpoint`. A stage
with `average_last` ends with its weight average (`stage_average.py`): `model-<stage>` holds the
average and `last-<stage>.safetensors` the stage's last weights before it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from sharp_depth_ros.training import distributed
from sharp_depth_ros.training.config import TrainConfig
from sharp_depth_ros.training.curriculum import StageConfig, stage_loss
from sharp_depth_ros.training.data_order import MixedDataset, MixedOrder, ShardedBatchSampler
from sharp_depth_ros.training.data_sources import build_dataset
from sharp_depth_ros.training.logs import CsvLog
from sharp_depth_ros.training.model_init import build_model
from sharp_depth_ros.training.schedule import lr_factor
from sharp_depth_ros.training.stage_average import StageAverage, first_averaged_step
from sharp_depth_ros.training.state import (
    CHECKPOINT_NAME,
    load_training_checkpoint,
    save_training_checkpoint,
    seed_everything,
    set_rng_state,
    step_seed,
)
from sharp_depth_ros.training.trainable import (
    parameter_groups,
    set_trainable,
    start_fov_encoder_from_backbone,
    trained_module,
)
from sharp_depth_ros.training.validation import VALIDATION_COLUMNS, stage_score, validate

LOGGER = logging.getLogger(__name__)
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class TrainResult:
    """What a call to `train` did.

    Attributes:
        model: the bare network with its final weights (on the training device).
        steps_done: the global step reached (== total steps when finished).
        finished: True when every stage ran to its end.
        best_scores: best validation score per stage name.
    """

    model: torch.nn.Module
    steps_done: int
    finished: bool
    best_scores: dict[str, float]


def _stage_loader(config, stage, stage_index, datasets, context, start_step, stop_step, start):
    """DataLoader of this process's batches for global steps [start_step, stop_step)."""
    kinds = stage.losses_by_kind()
    chosen = [
        i
        for i, d in enumerate(config.data.datasets)
        if d.kind in kinds and (not stage.datasets or d.name in stage.datasets)
    ]
    if not chosen:
        raise ValueError(f"stage {stage.name!r} has no data set of the kinds {sorted(kinds)}")
    order = MixedOrder(
        [len(datasets[i]) for i in chosen],
        [config.data.datasets[i].weight for i in chosen],
        seed=config.seed * 101 + stage_index,
    )
    sampler = ShardedBatchSampler(
        order,
        local_batch=config.data.batch_size // context.world_size,
        rank=context.rank,
        world_size=context.world_size,
        start_step=start_step - start,  # positions count from the stage's first step
        stop_step=stop_step - start,
    )
    return torch.utils.data.DataLoader(
        MixedDataset([datasets[i] for i in chosen]),
        batch_sampler=sampler,
        num_workers=config.data.num_workers,
        pin_memory=context.device.type == "cuda",
        persistent_workers=False,
    )


def _check_run(config: TrainConfig, context: distributed.DistributedContext) -> None:
    if config.data.batch_size % context.world_size:
        raise ValueError(
            f"data.batch_size={config.data.batch_size} must be divisible by the number of "
            f"processes ({context.world_size})"
        )
    if config.optim.precision == "fp16" and context.device.type != "cuda":
        raise ValueError("optim.precision 'fp16' needs CUDA; use 'fp32' or 'bf16' on CPU")


def train(
    config: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    max_steps: int | None = None,
    device: str = "auto",
    progress: bool = True,
    on_step_end: Callable[[int], None] | None = None,
    datasets: Sequence[torch.utils.data.Dataset] | None = None,
) -> TrainResult:
    """Train (or continue training) the network of `config`; see the module docstring for files.

    Args:
        config: the recipe.
        out_dir: output folder (created).
        resume: continue from OUT/checkpoint.pt, exactly where it was written.
        max_steps: stop (with a checkpoint) once this global step is reached.
        device: "auto", "cpu" or "cuda".
        progress: show a progress bar on the main process.
        on_step_end: called with the number of finished steps after each step (tests use it
            to simulate a kill).
        datasets: pre-built training data sets (with `get(index, seed)` returning
            `to_network_sample` dicts), one per `config.data.datasets` entry, in place of
            building them from the config (tests, notebooks).

    Returns:
        A `TrainResult`.

    Raises:
        ValueError: inconsistent settings (batch size vs processes, fp16 on CPU, a stage without
            data, a checkpoint of another run).
        FloatingPointError: the loss became NaN or infinite.
    """
    out_dir = Path(out_dir)
    context = distributed.init_distributed(device)
    _check_run(config, context)
    curriculum, total_steps = config.curriculum, config.curriculum.total_steps
    config_dict = config.to_dict()
    seed_everything(config.seed)  # identical initial weights in every process
    model = build_model(config.model).to(context.device)
    resolution = model.network_resolution
    fov_span = getattr(getattr(model, "config", None), "fov_span", "width")  # ViT: the width
    if datasets is None:
        datasets = [
            build_dataset(d, resolution=resolution, training=True) for d in config.data.datasets
        ]
    elif len(datasets) != len(config.data.datasets):
        raise ValueError(f"got {len(datasets)} data sets for {len(config.data.datasets)} entries")
    val_sets = [
        build_dataset(d, resolution=resolution, training=False) for d in config.validation.datasets
    ]

    payload, step, best_scores, average = None, 0, {}, None
    if resume:
        payload = load_training_checkpoint(out_dir / CHECKPOINT_NAME, config_dict)
        model.load_state_dict(payload["model"])
        step, best_scores = payload["next_step"], dict(payload["best_scores"])
        if payload.get("average") is not None:
            average = StageAverage(model)
            average.load_state_dict(payload["average"])
    stop_step = total_steps if max_steps is None else min(total_steps, max_steps)
    term_columns = sorted(
        {
            f"{k}/{t.name}"
            for s in curriculum.stages
            for k, ts in s.losses_by_kind().items()
            for t in ts
        }
    )
    if context.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        log = CsvLog(
            out_dir / "metrics.csv",
            [
                "step",
                "stage",
                "lr_encoder",
                "lr_decoder",
                "loss",
                "grad_norm",
                "seconds",
                *term_columns,
            ],
            resume_step=step,
        )
        val_log = CsvLog(
            out_dir / "validation.csv",
            ["step", "stage", "dataset", *VALIDATION_COLUMNS],
            resume_step=step,
        )
    bar = None
    if progress and context.is_main:
        from tqdm import tqdm

        bar = tqdm(total=stop_step, initial=step, unit="step", dynamic_ncols=True)
    autocast_dtype = AUTOCAST_DTYPES.get(config.optim.precision)
    scaler = torch.amp.GradScaler("cuda") if config.optim.precision == "fp16" else None

    while step < stop_step:
        stage_index, _ = curriculum.stage_at(step)
        stage: StageConfig = curriculum.stages[stage_index]
        start = curriculum.stage_start(stage_index)
        stage_stop = min(start + stage.steps, stop_step)
        if stage.fov_encoder_from_backbone and step == start:
            start_fov_encoder_from_backbone(model, stage)
        set_trainable(model, stage, config.optim)
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(  # Tab. 16: Adam, separate encoder/decoder rates
            parameter_groups(model, stage),
            betas=config.optim.betas,
            weight_decay=config.optim.weight_decay,
        )
        if payload is not None:
            # Resume: a checkpoint written at a stage end holds the finished stage's optimizer;
            # the next stage starts a fresh one, exactly as the uninterrupted run does.
            if payload["optimizer_stage"] == stage_index:
                optimizer.load_state_dict(payload["optimizer"])
            if scaler is not None and payload["scaler"] is not None:
                scaler.load_state_dict(payload["scaler"])
            set_rng_state(payload["rng"])
            payload = None
        network = distributed.wrap_model(model, context)
        # §3.3: the FOV stage runs a frozen depth network, its normalisation statistics included
        # (BatchNorm would otherwise keep updating its running means in train mode); so does a
        # refiner stage.
        model.train(stage.trains == "depth")
        trained_module(model, stage).train()
        loader = _stage_loader(
            config, stage, stage_index, datasets, context, step, stage_stop, start
        )
        average_from = first_averaged_step(start, stage.steps, stage.average_last)
        tick = time.perf_counter()
        for batch in loader:
            batch = {k: v.to(context.device, non_blocking=True) for k, v in batch.items()}
            # 1. Schedule: the learning rate is a pure function of the step in the stage
            #    (Tab. 16: 1 % warm-up, 80 % constant, 19 % at x0.1), so a resume needs no state.
            factor = lr_factor(step - start, stage.steps, stage.schedule)
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor
            # 2. Forward on the squashed S x S input, as at inference. The RNG is re-seeded from
            #    the step so any randomness repeats exactly after a resume. The FOV head runs
            #    only in the stage that trains it (§3.3: it costs a ViT).
            torch.manual_seed(step_seed(config.seed, step, context.rank))
            autocast = (
                torch.autocast(context.device.type, dtype=autocast_dtype)
                if autocast_dtype is not None
                else contextlib.nullcontext()
            )
            with autocast:
                output = network(batch["image"], run_fov=stage.trains == "fov")
            # 3. Loss terms per data-set kind (§3.2), in float32 outside autocast.
            loss, terms = stage_loss(
                stage, output.canonical_inverse_depth, output.fov_deg, batch, fov_span
            )
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss is {loss.item()} at step {step} ({stage.name})")
            # 4. Backward (scaled for fp16 so small gradients do not underflow).
            optimizer.zero_grad(set_to_none=True)
            (scaler.scale(loss) if scaler is not None else loss).backward()
            # 5. Clip the global gradient norm (Tab. 16: 0.2), on unscaled gradients.
            if scaler is not None:
                scaler.unscale_(optimizer)
            max_norm = config.optim.grad_clip_norm or math.inf
            grad_norm = torch.nn.utils.clip_grad_norm_(trainable, max_norm)
            # 6. Step (GradScaler skips steps with inf/NaN gradients and lowers its scale).
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            step += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(stage=stage.name, loss=f"{loss.item():.4g}")
            # 7. Log the loss averaged over processes (= the loss of the global batch).
            if step % config.log_every_steps == 0 or step == stage_stop:
                mean_loss = distributed.all_reduce_mean(context, loss.detach())
                if context.is_main:
                    rates = {g["name"]: g["lr"] for g in optimizer.param_groups}
                    log.write(
                        {
                            "step": step,
                            "stage": stage.name,
                            "loss": float(mean_loss),
                            "lr_encoder": rates.get("encoder", 0.0),
                            "lr_decoder": rates.get("decoder", 0.0),
                            "grad_norm": float(grad_norm),
                            "seconds": time.perf_counter() - tick,
                            **{k: float(v) for k, v in terms.items()},
                        }
                    )
                tick = time.perf_counter()
            # 8. Average the weights of the stage's last steps; the stage ends with the mean.
            stage_done = step == start + stage.steps
            if average_from is not None and step >= average_from:
                average = average or StageAverage(model)
                average.update(model)
                if stage_done:
                    if context.is_main:
                        _save_weights(model, out_dir / f"last-{stage.name}.safetensors", config)
                    average.copy_into(model)
                    LOGGER.info(
                        "stage %s ends with the mean of its last %d weights",
                        stage.name,
                        average.count,
                    )
                    average = None
            # 9. Validate on the held-out split; keep the stage's best weights.
            every = config.validation.every_steps
            if val_sets and (stage_done or (every and step % every == 0)):
                if context.is_main:
                    _validate_and_track(
                        model, val_sets, config, stage, step, best_scores, val_log, out_dir, context
                    )
                distributed.barrier(context)
            # 10. Checkpoint atomically every N steps, at stage ends and when stopping early,
            #    so a kill loses at most one interval.
            if step % config.checkpoint_every_steps == 0 or step == stage_stop:
                if context.is_main:
                    save_training_checkpoint(
                        out_dir / CHECKPOINT_NAME,
                        model=model,
                        optimizer=optimizer,
                        scaler=scaler,
                        next_step=step,
                        optimizer_stage=stage_index,
                        best_scores=best_scores,
                        config=config_dict,
                        average=average.state_dict() if average is not None else None,
                    )
                    if stage_done:
                        _save_weights(model, out_dir / f"model-{stage.name}.safetensors", config)
                distributed.barrier(context)
            if on_step_end is not None:
                on_step_end(step)

    finished = step == total_steps
    if finished and context.is_main:
        _save_weights(model, out_dir / "model.safetensors", config)
    if bar is not None:
        bar.close()
    distributed.barrier(context)
    distributed.cleanup(context)
    return TrainResult(model=model, steps_done=step, finished=finished, best_scores=best_scores)


def _save_weights(model: torch.nn.Module, path: Path, config: TrainConfig) -> None:
    """Weights in the package format (`sharp-depth predict --checkpoint PATH`)."""
    from sharp_depth_ros.checkpoints import save_native

    save_native(model, path, model.config, preset=config.model.preset)


def _validate_and_track(
    model, val_sets, config, stage, step, best_scores, val_log, out_dir, context
):
    """Validate every held-out set, log the means, and save the stage's best weights."""
    scores = []
    for dataset_config, dataset in zip(config.validation.datasets, val_sets, strict=True):
        metrics = validate(
            model,
            dataset,
            batch_size=max(1, config.data.batch_size // context.world_size),
            max_images=config.validation.max_images,
            device=context.device,
        )
        val_log.write(
            {"step": step, "stage": stage.name, "dataset": dataset_config.name, **metrics}
        )
        scores.append(stage_score(metrics, stage.trains))
    finite = [s for s in scores if not math.isnan(s)]
    if not finite:
        return
    score = sum(finite) / len(finite)
    if score > best_scores.get(stage.name, -math.inf):
        best_scores[stage.name] = score
        _save_weights(model, out_dir / f"best-{stage.name}.safetensors", config)
        LOGGER.info("stage %s step %d: new best validation score %.4f", stage.name, step, score)


__all__ = ["TrainResult", "train"]
