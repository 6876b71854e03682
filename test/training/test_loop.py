"""End-to-end tests of the training loop with the test-tiny network on CPU.

The machine is small and shared: each run takes a few steps at batch 1 or 2.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.losses import LOSSES
from sharp_depth_ros.training import TrainConfig, train
from sharp_depth_ros.training.model_init import build_model
from sharp_depth_ros.training.network_samples import to_network_sample


class StepScenes(torch.utils.data.Dataset):
    """A near wall on the left (bright) and a farther one on the right (dark), 2 samples."""

    def __init__(self, far_m: float = 1.1, fail_on_call: int = 0, resolution: int = 512) -> None:
        self.far_m, self.calls, self.fail_on_call = far_m, 0, fail_on_call
        self.resolution = resolution

    def __len__(self) -> int:
        return 2

    def get(self, index: int, seed: int) -> dict[str, torch.Tensor]:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt("simulated kill in the middle of a step")
        rgb = np.zeros((32, 32, 3), np.uint8)
        depth = np.full((32, 32), self.far_m, np.float32)
        cut = 12 + 8 * index
        rgb[:, :cut], rgb[:, cut:], depth[:, :cut] = 220, 40, 1.0
        return to_network_sample(rgb, depth, depth > 0, 32.0, "metric_synthetic", self.resolution)


def recipe(
    stages: list[dict], batch_size: int = 1, preset: str = "test-tiny", **extra
) -> TrainConfig:
    return TrainConfig.from_dict(
        {
            "model": {"preset": preset},
            "data": {
                "datasets": [{"name": "steps", "kind": "metric_synthetic", "source": "analytic"}],
                "batch_size": batch_size,
            },
            "curriculum": {"stages": stages},
            "log_every_steps": 1,
            **extra,
        }
    )


def flat_schedule(**stage) -> dict:
    return {"schedule": {"warmup_fraction": 0.0, "constant_fraction": 1.0}, **stage}


def logged(path, column: str = "loss") -> list[float]:
    with open(path, newline="") as handle:
        return [float(row[column]) for row in csv.DictReader(handle)]


def test_tiny_model_overfits_two_samples_loss_falls_tenfold(tmp_path):
    stage = {
        "name": "fit",
        "steps": 30,
        "objective": "custom",
        "losses": {"metric_synthetic": ["mae"]},
        "lr_encoder": 1e-4,
        "lr_decoder": 2e-3,
        # 3 warm-up steps, 21 constant, the last 6 at x0.1 to settle (the depth map starts
        # flat at the head's bias: `ModelConfig.conv_init`)
        "schedule": {"warmup_fraction": 0.1, "constant_fraction": 0.7},
    }
    config = recipe([stage], checkpoint_every_steps=1000)
    scenes = StepScenes(far_m=1.05)
    model = train(config, tmp_path, device="cpu", progress=False, datasets=[scenes]).model
    losses = logged(tmp_path / "metrics.csv")
    assert len(losses) == 30
    # The loss of the trained network on both samples, against the first step's loss.
    batch = {
        k: torch.stack([scenes.get(i, 0)[k] for i in range(2)])
        for k in ("image", "inverse_depth", "valid")
    }
    with torch.no_grad():
        pred = model.eval()(batch["image"], run_fov=False).canonical_inverse_depth
    final = LOSSES["mae"](pred, batch["inverse_depth"], batch["valid"]).item()
    assert final < losses[0] / 10, (final, losses)
    # Beyond the scale: the near (left) wall comes out nearer than the far one.
    near, far = pred[1, 0, :, 100:250].mean(), pred[1, 0, :, 350:].mean()
    assert near > far, (near, far)
    assert (tmp_path / "model.safetensors").is_file()


def two_stage_recipe(preset: str = "test-tiny") -> TrainConfig:
    stages = [
        flat_schedule(name="depth", steps=3, lr_encoder=1e-3, lr_decoder=1e-3),
        flat_schedule(
            name="focal", steps=1, objective="focal", trains="fov", lr_encoder=1e-3, lr_decoder=1e-3
        ),
    ]
    return recipe(stages, checkpoint_every_steps=2, preset=preset)


def killed_at_third_batch_then_resumed(config: TrainConfig, out, resolution: int = 512):
    """Train into `out`, killed while reading the 3rd batch (after the checkpoint of step 2),
    then resumed to the end; the resumed run's `TrainResult`."""
    with pytest.raises(KeyboardInterrupt):
        train(
            config,
            out,
            device="cpu",
            progress=False,
            datasets=[StepScenes(resolution=resolution, fail_on_call=3)],
        )
    return train(
        config,
        out,
        resume=True,
        device="cpu",
        progress=False,
        datasets=[StepScenes(resolution=resolution)],
    )


def assert_same_weights(expected: torch.nn.Module, got: torch.nn.Module) -> None:
    got_state = got.state_dict()
    for name, value in expected.state_dict().items():
        torch.testing.assert_close(got_state[name], value, rtol=1e-5, atol=1e-7, msg=name)


def test_resume_after_a_kill_matches_the_uninterrupted_run(tmp_path):
    config = two_stage_recipe()
    reference = train(config, tmp_path / "a", device="cpu", progress=False, datasets=[StepScenes()])
    resumed = killed_at_third_batch_then_resumed(config, tmp_path / "b")
    assert resumed.finished and resumed.steps_done == 4
    assert_same_weights(reference.model, resumed.model)
    assert logged(tmp_path / "b" / "metrics.csv", "step") == [1, 2, 3, 4]  # no duplicate rows
    assert logged(tmp_path / "b" / "metrics.csv") == pytest.approx(
        logged(tmp_path / "a" / "metrics.csv"), rel=1e-5
    )


@pytest.mark.parametrize(("preset", "resolution"), [("test-tiny", 512), ("test-tiny-conv", 128)])
def test_depth_stage_leaves_the_fov_head_and_focal_stage_only_trains_it(
    tmp_path, preset, resolution
):
    config = two_stage_recipe(preset)
    scenes = StepScenes(resolution=resolution)
    final = train(config, tmp_path, device="cpu", progress=False, datasets=[scenes]).model
    after_depth = load_checkpoint(tmp_path / "model-depth.safetensors").model.state_dict()
    torch.manual_seed(config.seed)
    initial = build_model(config.model).state_dict()  # the trainer seeds the same way
    fov_keys = [k for k in initial if k.startswith("fov.")]
    depth_keys = [k for k in initial if not k.startswith("fov.")]
    for key in fov_keys:
        torch.testing.assert_close(after_depth[key], initial[key], msg=key)
    for key in depth_keys:
        torch.testing.assert_close(final.state_dict()[key], after_depth[key], msg=key)
    assert any(not torch.equal(after_depth[k], initial[k]) for k in depth_keys)
    assert any(not torch.equal(final.state_dict()[k], after_depth[k]) for k in fov_keys)


def test_fp16_on_cpu_is_refused_with_the_fix(tmp_path):
    config = recipe([{"name": "s", "steps": 1}], optim={"precision": "fp16"})
    with pytest.raises(ValueError, match="fp16.*CUDA"):
        train(config, tmp_path, device="cpu", progress=False, datasets=[StepScenes()])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_mixed_precision_steps_on_cuda_keep_the_loss_finite(tmp_path, precision):
    stage = {"name": "s", "steps": 3, "lr_encoder": 1e-4, "lr_decoder": 1e-3}
    config = recipe([stage], batch_size=2, optim={"precision": precision})
    result = train(config, tmp_path, device="cuda", progress=False, datasets=[StepScenes()])
    assert result.finished
    assert all(np.isfinite(logged(tmp_path / "metrics.csv")))
    assert next(result.model.parameters()).dtype == torch.float32  # master weights stay fp32


def test_fresh_network_layer_scale_init_sets_every_vit_factor_and_zero_keeps_the_preset():
    from timm.layers import LayerScale

    from sharp_depth_ros.training.config import ModelConfig

    def factors(model: torch.nn.Module) -> torch.Tensor:
        gammas = [m.gamma.detach() for m in model.modules() if isinstance(m, LayerScale)]
        assert gammas  # patch, image and FOV ViTs all have them
        return torch.cat(gammas)

    torch.manual_seed(0)
    preset = factors(build_model(ModelConfig(preset="test-tiny")))
    assert torch.allclose(preset, torch.full_like(preset, 1e-5))
    torch.manual_seed(0)
    raised = factors(build_model(ModelConfig(preset="test-tiny", init_layer_scale=0.5)))
    assert torch.equal(raised, torch.full_like(raised, 0.5))
    with pytest.raises(ValueError, match="init_layer_scale"):
        ModelConfig(init_layer_scale=-1.0)


def averaging_recipe(
    average_last: float, steps: int = 4, preset: str = "test-tiny-conv"
) -> TrainConfig:
    stage = flat_schedule(
        name="depth", steps=steps, lr_encoder=1e-3, lr_decoder=1e-3, average_last=average_last
    )
    return recipe([stage], checkpoint_every_steps=2, preset=preset)


# The shipped network's layout (BatchNorm with running statistics), trained at batch 1.
BATCH_NORM_PRESET, BATCH_NORM_RESOLUTION = "sharp-small", 256


def weights_after_3_and_4(tmp_path) -> list[dict[str, torch.Tensor]]:
    """The plain (unaveraged) run's weights after 3 and after 4 steps (a resume is exact)."""
    weights = []
    for steps in (3, 4):
        result = train(
            averaging_recipe(0.0, preset=BATCH_NORM_PRESET),
            tmp_path / "plain",
            resume=steps == 4,
            max_steps=steps,
            device="cpu",
            progress=False,
            datasets=[StepScenes(resolution=BATCH_NORM_RESOLUTION)],
        )
        weights.append({k: v.clone() for k, v in result.model.state_dict().items()})
    return weights


def test_stage_ends_with_the_mean_of_its_last_weights_buffers_included(tmp_path):
    after_3, after_4 = weights_after_3_and_4(tmp_path)
    averaged = train(
        averaging_recipe(0.5, preset=BATCH_NORM_PRESET),  # the last 2 of 4 steps
        tmp_path / "avg",
        device="cpu",
        progress=False,
        datasets=[StepScenes(resolution=BATCH_NORM_RESOLUTION)],
    ).model.state_dict()
    running_means = [k for k in after_4 if k.endswith("running_mean")]
    assert running_means  # the BatchNorm statistics are averaged too
    for name, last in after_4.items():
        if last.is_floating_point():
            expected = (after_3[name] + last) / 2
            torch.testing.assert_close(averaged[name], expected, rtol=1e-5, atol=1e-6, msg=name)
        else:
            assert torch.equal(averaged[name], last), name
    assert any(not torch.equal(averaged[k], after_4[k]) for k in running_means)
    last_file = load_checkpoint(tmp_path / "avg" / "last-depth.safetensors").model.state_dict()
    for name in running_means:
        torch.testing.assert_close(last_file[name], after_4[name], msg=name)
    final_file = load_checkpoint(tmp_path / "avg" / "model.safetensors").model.state_dict()
    for name in running_means:
        torch.testing.assert_close(final_file[name], averaged[name], msg=name)


def test_resume_inside_the_averaging_window_matches_the_uninterrupted_run(tmp_path):
    config = averaging_recipe(0.75)  # steps 2, 3 and 4 are averaged; checkpoint at step 2
    reference = train(
        config, tmp_path / "a", device="cpu", progress=False, datasets=[StepScenes(resolution=128)]
    )
    resumed = killed_at_third_batch_then_resumed(config, tmp_path / "b", resolution=128)
    assert resumed.finished
    assert_same_weights(reference.model, resumed.model)


def test_refiner_stage_trains_only_the_refiner_of_a_loaded_network(tmp_path):
    """`model.add_refiner` on a checkpoint, then `trains: refiner`: the rest stays bit-exact,
    batch-norm running statistics included."""
    torch.manual_seed(0)
    base = build_model(recipe([{"name": "s", "steps": 1}], preset="test-tiny-conv").model)
    from sharp_depth_ros.checkpoints import save_native

    save_native(base, tmp_path / "base.safetensors", base.config, preset="test-tiny-conv")
    stage = flat_schedule(
        name="edges",
        steps=2,
        objective="custom",
        trains="refiner",
        losses={"metric_synthetic": ["log_mae", {"name": "log_mage", "weight": 2.0}]},
        lr_encoder=1e-2,
        lr_decoder=1e-2,
    )
    config = TrainConfig.from_dict(
        {
            **recipe([stage], preset="test-tiny-conv").to_dict(),
            "model": {
                "preset": "test-tiny-conv",
                "checkpoint": str(tmp_path / "base.safetensors"),
                "add_refiner": 8,
            },
        }
    )
    scenes = StepScenes(resolution=128)
    final = train(config, tmp_path / "run", device="cpu", progress=False, datasets=[scenes]).model
    before, after = base.state_dict(), final.state_dict()
    refiner_keys = [k for k in after if k.startswith("refiner.")]
    assert refiner_keys and set(after) - set(refiner_keys) == set(before)
    for key, value in before.items():
        torch.testing.assert_close(after[key], value, rtol=0, atol=0, msg=key)
    assert any(k.endswith("out.weight") and after[k].abs().sum() > 0 for k in refiner_keys)
    saved = load_checkpoint(tmp_path / "run" / "model.safetensors").model
    assert saved.config.refiner_channels == 8


def test_refiner_stage_without_a_refiner_is_refused_with_the_fix(tmp_path):
    stage = flat_schedule(name="edges", steps=1, trains="refiner")
    config = recipe([stage], preset="test-tiny-conv")
    with pytest.raises(ValueError, match="add_refiner"):
        train(config, tmp_path, device="cpu", progress=False, datasets=[StepScenes(resolution=128)])


def test_focal_stage_starts_the_fov_encoder_from_the_trained_backbone(tmp_path):
    stages = [
        flat_schedule(name="depth", steps=2, lr_encoder=1e-3, lr_decoder=1e-3),
        flat_schedule(
            name="focal",
            steps=1,
            objective="focal",
            trains="fov",
            lr_encoder=0.0,  # the copy, untouched by the focal step, is what the test sees
            lr_decoder=1e-3,
            fov_encoder_from_backbone=True,
        ),
    ]
    base = recipe(stages, preset="test-tiny-conv").to_dict()
    model = {"preset": "test-tiny-conv", "fov_encoder_stages": 2}
    config = TrainConfig.from_dict({**base, "model": model})
    scenes = StepScenes(resolution=128)
    final = train(config, tmp_path, device="cpu", progress=False, datasets=[scenes]).model
    after_depth = load_checkpoint(tmp_path / "model-depth.safetensors").model
    torch.manual_seed(config.seed)
    fresh_encoder = build_model(config.model).fov.encoder.backbone.state_dict()
    copied = final.fov.encoder.backbone.state_dict()
    trained_backbone = after_depth.backbone.state_dict()
    assert not torch.equal(trained_backbone["conv1.weight"], fresh_encoder["conv1.weight"])
    for key, value in copied.items():
        if value.is_floating_point() and "running" not in key:
            torch.testing.assert_close(value, trained_backbone[key], rtol=0, atol=0, msg=key)
    # The depth stage never touched the random encoder.
    assert torch.equal(after_depth.fov.encoder.backbone.conv1.weight, fresh_encoder["conv1.weight"])


def test_fov_encoder_from_backbone_is_refused_where_it_cannot_apply(tmp_path):
    with pytest.raises(ValueError, match="trains: fov"):
        recipe([flat_schedule(name="depth", steps=1, fov_encoder_from_backbone=True)])
    stage = flat_schedule(
        name="focal", steps=1, objective="focal", trains="fov", fov_encoder_from_backbone=True
    )
    config = recipe([stage], preset="test-tiny-conv")
    with pytest.raises(ValueError, match="set model.fov_encoder_stages"):
        train(config, tmp_path, device="cpu", progress=False, datasets=[StepScenes(resolution=128)])


def test_resume_inside_a_focal_stage_keeps_its_trained_fov_encoder(tmp_path):
    focal = flat_schedule(
        name="focal",
        steps=3,
        objective="focal",
        trains="fov",
        lr_encoder=1e-3,
        lr_decoder=1e-3,
        fov_encoder_from_backbone=True,
    )
    depth = flat_schedule(name="depth", steps=1, lr_encoder=1e-3, lr_decoder=1e-3)
    base = recipe([depth, focal], preset="test-tiny-conv", checkpoint_every_steps=2).to_dict()
    config = TrainConfig.from_dict(
        {**base, "model": {"preset": "test-tiny-conv", "fov_encoder_stages": 2}}
    )
    scenes = [StepScenes(resolution=128)]
    reference = train(config, tmp_path / "a", device="cpu", progress=False, datasets=scenes)
    resumed = killed_at_third_batch_then_resumed(config, tmp_path / "b", resolution=128)
    assert resumed.finished
    assert_same_weights(reference.model, resumed.model)
