"""Building the network a recipe trains: a preset with fresh weights, or a checkpoint."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from timm.layers import LayerScale
from torch import nn

from sharp_depth_ros.model.decoder import ResidualBlock
from sharp_depth_ros.training.config import ModelConfig


def build_model(config: ModelConfig) -> nn.Module:
    """A fresh network from a preset, or one loaded from our or the official checkpoint.

    The caller seeds torch first, so every process builds identical initial weights. A loaded
    ConvDepthPro gains a fresh full-resolution refiner if `add_refiner` asks for one, and a fresh
    FOV head (starting at `init_fov_deg`) if `fov_grid` asks for another grid, and an image
    encoder for its FOV head if `fov_encoder_stages` asks for one (copied from its backbone),
    and the FOV span of `fov_span` if it names one.
    A fresh network is built with that encoder (random until a focal stage with
    `fov_encoder_from_backbone` starts it from the trained backbone). A fresh
    network gets the output biases of `ModelConfig.init_inverse_depth` / `init_fov_deg` (see
    the networks' `init_output_biases`). The ViT Depth Pro also gets `conv_init` and, if
    `init_layer_scale` > 0, that value in every LayerScale factor of its ViTs; `ConvDepthPro`
    initialises itself (He-initialised convolutions, no LayerScale), so both leave it as is.
    """
    if config.checkpoint:
        from sharp_depth_ros.checkpoints import load_checkpoint

        model = load_checkpoint(config.checkpoint, preset=config.preset or None).model
        if config.add_refiner:
            add_refiner = _conv_network_method(
                model, "add_refiner", "add_refiner", "full-resolution refiner"
            )
            if model.refiner is None:
                add_refiner(config.add_refiner)
        if config.fov_grid:
            replace_fov_head = _conv_network_method(
                model, "fov_grid", "replace_fov_head", "grid FOV head"
            )
            if model.config.fov_grid != config.fov_grid:
                replace_fov_head(config.fov_grid)
                with torch.no_grad():
                    model.fov.linear.bias.fill_(config.init_fov_deg)
        if config.fov_encoder_stages:
            add_fov_encoder = _conv_network_method(
                model, "fov_encoder_stages", "add_fov_encoder", "FOV image encoder"
            )
            if model.config.fov_encoder_stages == 0:
                add_fov_encoder(config.fov_encoder_stages)
        if config.fov_span:
            set_fov_span = _conv_network_method(model, "fov_span", "set_fov_span", "FOV span")
            set_fov_span(config.fov_span)
        return model
    for option, field in (("add_refiner", "refiner_channels"), ("fov_grid", "fov_grid")):
        if getattr(config, option):
            raise ValueError(
                f"model.{option} applies to a checkpoint; for a fresh network choose a preset "
                f"whose config has {field}"
            )
    from sharp_depth_ros.config import ConvDepthConfig
    from sharp_depth_ros.model import DepthPro, create_model, get_preset

    # Options only the convolutional network has. A fresh FOV encoder is random here; a focal
    # stage with fov_encoder_from_backbone starts it from the backbone.
    overrides = {
        option: getattr(config, option)
        for option in ("fov_encoder_stages", "fov_span")
        if getattr(config, option)
    }
    for option in overrides:
        if not isinstance(get_preset(config.preset), ConvDepthConfig):
            raise ValueError(
                f"model.{option}: preset {config.preset!r} is not a convolutional network "
                "(ConvDepthPro)"
            )
    model = create_model(config.preset, **overrides)
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


def _conv_network_method(
    model: nn.Module, option: str, method: str, part: str
) -> Callable[[int], None]:
    """`model`'s bound `method`, which only ConvDepthPro has.

    Raises:
        ValueError: naming the recipe's `model.<option>` when the network lacks it.
    """
    bound = getattr(model, method, None)
    if bound is None:
        raise ValueError(
            f"model.{option}: {type(model).__name__} has no {part}; only the convolutional "
            "networks (ConvDepthPro) do"
        )
    return bound


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
