"""Which parameters train in a stage, their learning-rate groups, and building the network."""

from __future__ import annotations

import math

import torch
from timm.layers import LayerScale
from torch import nn

from sharp_depth_ros.model.decoder import ResidualBlock
from sharp_depth_ros.training.config import ModelConfig, OptimConfig
from sharp_depth_ros.training.curriculum import StageConfig


def build_model(config: ModelConfig) -> nn.Module:
    """A fresh network from a preset, or one loaded from our or the official checkpoint.

    The caller seeds torch first, so every process builds identical initial weights. A fresh
    network gets the output biases of `ModelConfig.init_inverse_depth` / `init_fov_deg` (see
    the networks' `init_output_biases`). The ViT Depth Pro also gets `conv_init` and, if
    `init_layer_scale` > 0, that value in every LayerScale factor of its ViTs; `ConvDepthPro`
    initialises itself (He-initialised convolutions, no LayerScale), so both leave it as is.
    """
    if config.checkpoint:
        from sharp_depth_ros.checkpoints import load_checkpoint

        return load_checkpoint(config.checkpoint, preset=config.preset or None).model
    from sharp_depth_ros.model import DepthPro, create_model

    model = create_model(config.preset)
    # The fixes for the ViT network's transposed convolutions and ReLU head (docs/default-model.md).
    if config.conv_init == "fan_in" and isinstance(model, DepthPro):
        fan_in_init(model)
    model.init_output_biases(config.init_inverse_depth, config.init_fov_deg)
    with torch.no_grad():
        if config.init_layer_scale > 0:
            for module in model.modules():
                if isinstance(module, LayerScale):
                    module.gamma.fill_(config.init_layer_scale)
    return model


def fan_in_init(model: nn.Module) -> None:
    """Variance-preserving weights for every convolution outside the ViTs; biases at zero.

    Weights are N(0, 1 / fan_in), where fan_in counts the inputs that reach one output: for a
    transposed convolution that is its input channels times the kernel taps overlapping one
    output pixel (1 for stride = kernel). PyTorch's default for transposed convolutions uses
    the output channels times the kernel area instead (and a 1/3 variance factor everywhere).
    The last convolution of every decoder residual branch and of the depth head start at
    zero (residual units start as identities, the depth map starts flat at the head's bias):
    otherwise the activations grow through ten residual units and the first Adam steps push
    every pixel below the head's final ReLU, after which no gradient flows at all.
    The ViTs keep timm's initialisation.
    """
    vit_parameters = {id(p) for vit in model.encoder_modules() for p in vit.parameters()}
    for module in model.modules():
        if not isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
            continue
        if id(module.weight) in vit_parameters:
            continue
        kernel_h, kernel_w = module.kernel_size
        if isinstance(module, nn.ConvTranspose2d):
            stride_h, stride_w = module.stride
            taps = math.ceil(kernel_h / stride_h) * math.ceil(kernel_w / stride_w)
        else:
            taps = kernel_h * kernel_w
        fan_in = module.in_channels // module.groups * taps
        nn.init.normal_(module.weight, 0.0, 1.0 / math.sqrt(fan_in))
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    # A second pass: modules() visits a block before its convolutions, which the first pass
    # (re)initialises.
    for module in model.modules():
        if isinstance(module, ResidualBlock):
            nn.init.zeros_(_last_conv(module.residual).weight)
    nn.init.zeros_(_last_conv(model.head).weight)


def _last_conv(module: nn.Module) -> nn.Conv2d:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)][-1]


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
        for vit in model.encoder_modules():
            for module in vit.modules():
                if isinstance(module, nn.LayerNorm):
                    module.requires_grad_(False)


def parameter_groups(model: nn.Module, stage: StageConfig) -> list[dict]:
    """Adam parameter groups: the encoders at `lr_encoder`, the rest at `lr_decoder` (Tab. 16).

    The encoders are the network's `encoder_modules()`: the ViTs of Depth Pro, the CNN backbone
    of ConvDepthPro. Only parameters that require gradients are included; each group keeps its
    `base_lr` for the schedule to scale.
    """
    encoder_ids = {id(p) for module in model.encoder_modules() for p in module.parameters()}
    encoder, decoder = [], []
    for parameter in model.parameters():
        if parameter.requires_grad:
            (encoder if id(parameter) in encoder_ids else decoder).append(parameter)
    groups = [
        {"name": "encoder", "params": encoder, "base_lr": stage.lr_encoder, "lr": stage.lr_encoder},
        {"name": "decoder", "params": decoder, "base_lr": stage.lr_decoder, "lr": stage.lr_decoder},
    ]
    return [group for group in groups if group["params"]]
