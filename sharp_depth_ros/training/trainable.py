"""Which parameters train in a stage, and their learning-rate groups (Tab. 16)."""

from __future__ import annotations

from torch import nn

from sharp_depth_ros.training.config import OptimConfig
from sharp_depth_ros.training.curriculum import StageConfig


def trained_module(model: nn.Module, stage: StageConfig) -> nn.Module:
    """The part a stage trains: the FOV head, the refiner, or the depth network (all but the FOV).

    Raises:
        ValueError: if the network lacks the part the stage trains.
    """
    if stage.trains == "fov":
        if getattr(model, "fov", None) is None:
            raise ValueError(f"stage {stage.name!r} trains the FOV head but the network has none")
        return model.fov
    if stage.trains == "refiner":
        if getattr(model, "refiner", None) is None:
            raise ValueError(
                f"stage {stage.name!r} trains the refiner but the network has none; "
                "set model.add_refiner (or use a network whose config has refiner_channels)"
            )
        return model.refiner
    return model


def start_fov_encoder_from_backbone(model: nn.Module, stage: StageConfig) -> None:
    """Start the FOV encoder from the depth backbone for a stage that asks for it.

    Raises:
        ValueError: if the network has no FOV image encoder.
    """
    start = getattr(model, "start_fov_encoder_from_backbone", None)
    encoder = getattr(getattr(model, "fov", None), "encoder", None)
    if start is None or encoder is None:
        raise ValueError(
            f"stage {stage.name!r} sets fov_encoder_from_backbone but the network's FOV head has "
            "no image encoder; set model.fov_encoder_stages (a convolutional network only)"
        )
    start()


def set_trainable(model: nn.Module, stage: StageConfig, optim: OptimConfig) -> None:
    """Set `requires_grad` for a stage: only its part trains; LayerNorms stay frozen if asked.

    §3.3: the FOV stage trains the focal head on a frozen depth network; the depth stages leave
    the focal head untouched (it is not even run). A refiner stage trains only the refiner.
    """
    if stage.trains == "depth":
        fov = getattr(model, "fov", None)
        frozen = {id(p) for p in fov.parameters()} if fov is not None else set()
        trained = {id(p) for p in model.parameters()} - frozen
    else:  # the FOV head or the refiner alone
        trained = {id(p) for p in trained_module(model, stage).parameters()}
    for parameter in model.parameters():
        parameter.requires_grad_(id(parameter) in trained)
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
