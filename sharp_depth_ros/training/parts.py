"""Which parameters train in a stage, their learning-rate groups, and building the network."""

from __future__ import annotations

import torch
from timm.layers import LayerScale
from torch import nn

from sharp_depth_ros.training.config import ModelConfig, OptimConfig
from sharp_depth_ros.training.curriculum import StageConfig


def build_model(config: ModelConfig) -> nn.Module:
    """A fresh network from a preset, or one loaded from our or the official checkpoint.

    The caller seeds torch first, so every process builds identical initial weights. A fresh
    network gets the output biases of `ModelConfig.init_inverse_depth` / `init_fov_deg` and,
    if `init_layer_scale` > 0, that value in every LayerScale factor of its ViTs.
    """
    if config.checkpoint:
        from sharp_depth_ros.checkpoints import load_checkpoint

        return load_checkpoint(config.checkpoint, preset=config.preset or None).model
    from sharp_depth_ros.model import create_model

    model = create_model(config.preset)
    with torch.no_grad():
        _last_conv(model.head).bias.fill_(config.init_inverse_depth)
        if getattr(model, "fov", None) is not None:
            _last_conv(model.fov.head).bias.fill_(config.init_fov_deg)
        if config.init_layer_scale > 0:
            for module in model.modules():
                if isinstance(module, LayerScale):
                    module.gamma.fill_(config.init_layer_scale)
    return model


def _last_conv(module: nn.Module) -> nn.Conv2d:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)][-1]


def vit_modules(model: nn.Module) -> list[nn.Module]:
    """The ViT backbones (patch, image and FOV encoders): they take the encoder learning rate."""
    modules = [model.encoder.patch_encoder, model.encoder.image_encoder]
    fov = getattr(model, "fov", None)
    if fov is not None and fov.encoder is not None:
        modules.append(fov.encoder[0])  # Sequential(ViT, Linear): the Linear is new, decoder rate
    return modules


def trained_module(model: nn.Module, stage: StageConfig) -> nn.Module:
    """The part a stage trains: the FOV head, or the depth network (everything else)."""
    if stage.trains == "fov":
        if getattr(model, "fov", None) is None:
            raise ValueError(f"stage {stage.name!r} trains the FOV head but the network has none")
        return model.fov
    return model


def set_trainable(model: nn.Module, stage: StageConfig, optim: OptimConfig) -> None:
    """Set `requires_grad` for a stage: only its part trains; LayerNorms stay frozen if asked.

    §3.3: the FOV stage trains the focal head on a frozen depth network; the depth stages leave
    the focal head untouched (it is not even run).
    """
    fov_parameters = {id(p) for p in model.fov.parameters()} if model.fov is not None else set()
    for parameter in model.parameters():
        in_fov = id(parameter) in fov_parameters
        parameter.requires_grad_(in_fov if stage.trains == "fov" else not in_fov)
    if optim.freeze_layernorm:
        # Tab. 16: pretrained LayerNorms are frozen.
        for vit in vit_modules(model):
            for module in vit.modules():
                if isinstance(module, nn.LayerNorm):
                    module.requires_grad_(False)


def parameter_groups(model: nn.Module, stage: StageConfig) -> list[dict]:
    """Adam parameter groups: ViT encoders at `lr_encoder`, the rest at `lr_decoder` (Tab. 16).

    Only parameters that require gradients are included; each group keeps its `base_lr` for
    the schedule to scale.
    """
    encoder_ids = {id(p) for vit in vit_modules(model) for p in vit.parameters()}
    encoder, decoder = [], []
    for parameter in model.parameters():
        if parameter.requires_grad:
            (encoder if id(parameter) in encoder_ids else decoder).append(parameter)
    groups = [
        {"name": "encoder", "params": encoder, "base_lr": stage.lr_encoder, "lr": stage.lr_encoder},
        {"name": "decoder", "params": decoder, "base_lr": stage.lr_decoder, "lr": stage.lr_decoder},
    ]
    return [group for group in groups if group["params"]]
