"""ConvDepthPro: the Depth Pro structure (§3.1) on a convolutional backbone.

Depth Pro runs one patch encoder over an image pyramid (S, S/2, S/4) and a second encoder over
the S/4 level for global context, then fuses the maps coarse to fine. Here one timm CNN (random
initialisation) plays both parts: it runs over the three pyramid levels, so the S/4 pass is the
global-context "image encoder". A CNN level at stride s of pyramid level k (scale 2^-k) has the
size S / (s 2^k), so every decoder level at S/4 ... S/32 concatenates the maps of that size from
all pyramid levels; the maps coarser than S/32 (the global context) are upsampled into the
coarsest level. The decoder upsamples bilinearly and refines with 3x3 residual units: no
transposed convolutions, whose uneven kernel overlap prints a checkerboard on the depth map.
"""

from __future__ import annotations

import dataclasses
import math
from functools import partial

import timm
import torch
import torch.nn.functional as F
from timm.layers import GroupNorm
from torch import nn

from sharp_depth_ros.config import ConvDepthConfig
from sharp_depth_ros.model.conv_blocks import (
    NORM_GROUPS,
    ConvUnit,
    ResidualUnit,
    norm_layer,
    upsample,
)
from sharp_depth_ros.model.depth_pro import DepthProOutput, check_network_input
from sharp_depth_ros.model.full_resolution_refiner import FullResolutionRefiner

# (pyramid scale, backbone stride) of the three levels: S, S/2, S/4 as in Depth Pro (§3.1).
PYRAMID_SCALES = (1, 2, 4)
BACKBONE_STRIDES = (4, 8, 16, 32)
DECODER_STRIDES = (4, 8, 16, 32)
# exp(z) of the head's output z is canonical inverse depth; the clamp keeps it finite and > 0.
LOG_INVERSE_DEPTH_LIMIT = 12.0
INITIAL_INVERSE_DEPTH = 0.3  # f/W = 0.8 at 2.7 m, as training.config.ModelConfig
INITIAL_FOV_DEG = 60.0


class PyramidBatchNorm2d(nn.Module):
    """Batch norm with shared affine weights and separate running statistics per pyramid level.

    The backbone sees the S, S/2 and S/4 images in turn. In training each pass is normalised
    with its own batch statistics; one shared running mean would average the three levels'
    statistics, so evaluation would normalise every level with the wrong ones (measured: log
    error 0.63 in eval mode against 0.55 with batch statistics after 100 steps). `level` (set by
    `ConvDepthPro` before each pass) picks the statistics to use and update.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, **_: object):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.level = 0
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        levels = len(PYRAMID_SCALES)
        self.register_buffer("running_mean", torch.zeros(levels, num_features))
        self.register_buffer("running_var", torch.ones(levels, num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise (B, C, H, W) with the current level's statistics (batch ones in training)."""
        return F.batch_norm(
            x,
            self.running_mean[self.level],
            self.running_var[self.level],
            self.weight,
            self.bias,
            self.training,
            self.momentum,
            self.eps,
        )


def create_backbone(name: str, norm: str, out_indices: tuple[int, ...] = (1, 2, 3, 4)) -> nn.Module:
    """A randomly initialised timm CNN returning its stride 4, 8, 16 and 32 feature maps.

    `out_indices` picks fewer of those maps (1-4 for strides 4-32); timm drops the stages
    after the last one.

    Raises:
        ValueError: unknown model name, or a model without those strides.
    """
    if not timm.is_model(name):
        raise ValueError(f"backbone={name!r} is not a timm model name")
    if norm == "group":
        options = {"norm_layer": partial(GroupNorm, num_groups=NORM_GROUPS)}
    else:  # one set of batch statistics per pyramid level (PyramidBatchNorm2d)
        options = {"norm_layer": PyramidBatchNorm2d}
    try:
        # pretrained=False always: no weights are downloaded, the network trains from scratch.
        backbone = timm.create_model(
            name, pretrained=False, features_only=True, out_indices=out_indices, **options
        )
    except (TypeError, RuntimeError, ValueError) as error:
        raise ValueError(f"cannot build backbone {name!r} with norm={norm!r}: {error}") from error
    strides = tuple(backbone.feature_info.reduction())
    expected = tuple(BACKBONE_STRIDES[index - 1] for index in out_indices)
    if strides != expected:
        raise ValueError(f"backbone {name!r} gives feature strides {strides}; expected {expected}")
    return backbone


class FovImageEncoder(nn.Module):
    """The FOV head's own image encoder (§3.3): the first stages of a CNN, projected.

    Its 1x1 projection to the decoder width starts at zero, so a head that gains the encoder
    gives exactly its earlier output until the focal stage trains it.
    """

    def __init__(self, backbone: str, norm: str, stages: int, features: int) -> None:
        super().__init__()
        if not 1 <= stages <= len(BACKBONE_STRIDES):
            raise ValueError(f"FOV encoder stages must be 1-{len(BACKBONE_STRIDES)}, got {stages}")
        self.stages = stages
        # Area averaging brings the last map to the decoder's coarsest stride.
        self.pool = BACKBONE_STRIDES[-1] // BACKBONE_STRIDES[stages - 1]
        self.backbone = create_backbone(backbone, norm, out_indices=(stages,))
        width = self.backbone.feature_info.channels()[-1]
        self.projection = nn.Conv2d(width, features, kernel_size=1)
        nn.init.zeros_(self.projection.weight)
        nn.init.zeros_(self.projection.bias)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) normalised images -> (B, D, S/32, S/32) features."""
        encoded = self.projection(self.backbone(images)[-1])
        return encoded if self.pool == 1 else F.avg_pool2d(encoded, self.pool)


class ConvFovHead(nn.Module):
    """Field of view in degrees from the coarsest decoder features (§3.3), at any resolution.

    With an image encoder, its map is added to those features first. Two stride-2
    convolutions, then the map is averaged over a `grid` x `grid` grid of cells (1: the whole
    image) and a linear layer reads the cells' features.
    """

    def __init__(
        self, features: int, grid: int = 1, encoder: FovImageEncoder | None = None
    ) -> None:
        super().__init__()
        if grid < 1:
            raise ValueError(f"FOV head grid must be >= 1, got {grid}")
        half, quarter = features // 2, features // 4
        self.grid = grid
        self.encoder = encoder
        self.convs = nn.Sequential(
            nn.Conv2d(features, half, kernel_size=3, stride=2, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(half, quarter, kernel_size=3, stride=2, padding=1),
            nn.ReLU(inplace=True),
        )
        self.linear = nn.Linear(quarter * grid * grid, 1)
        nn.init.normal_(self.linear.weight, std=1e-3)
        nn.init.constant_(self.linear.bias, INITIAL_FOV_DEG)

    def forward(
        self, lowres_features: torch.Tensor, images: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, D, S/32, S/32) detached decoder features -> (B,) FOV in degrees (unconstrained).

        Raises:
            ValueError: if the head has an image encoder and `images` is None.
        """
        if self.encoder is not None:
            if images is None:
                raise ValueError("this FOV head has an image encoder: pass the images")
            lowres_features = lowres_features + self.encoder(images)
        maps = self.convs(lowres_features)
        if self.grid == 1:
            pooled = maps.mean(dim=(-2, -1))
        else:
            pooled = F.adaptive_avg_pool2d(maps, self.grid).flatten(1)
        return self.linear(pooled)[:, 0]


class ConvDepthPro(nn.Module):
    """Depth Pro's multi-scale structure on one CNN shared by the S, S/2 and S/4 pyramid levels.

    Output: canonical inverse depth exp(z) > 0 at the input's resolution, and the FOV head's
    estimate, as `DepthPro`.
    """

    def __init__(self, config: ConvDepthConfig) -> None:
        super().__init__()
        self.config = config
        features, norm = config.decoder_features, config.norm
        self.backbone = create_backbone(config.backbone, norm)
        channels = self.backbone.feature_info.channels()
        # Decoder level i (stride DECODER_STRIDES[i]) takes backbone level j of pyramid level k
        # when stride_j * scale_k equals its stride; the coarsest also takes every coarser map.
        level_channels = [0] * len(DECODER_STRIDES)
        for scale in PYRAMID_SCALES:
            for stride, width in zip(BACKBONE_STRIDES, channels, strict=True):
                level_channels[self._decoder_level(stride * scale)] += width
        self.projections = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, features, kernel_size=1, bias=False), norm_layer(norm, features)
            )
            for width in level_channels
        )
        self.refinements = nn.ModuleList(ResidualUnit(features, norm) for _ in DECODER_STRIDES)
        half, quarter = features // 2, features // 4
        # Head: 3x3 convolutions at S/4 and S/2 (bilinear 2x between), z = 1x1 convolution, bilinear
        # to S.
        self.head = nn.ModuleDict(
            {
                "conv_quarter": ConvUnit(features, half, norm),
                "conv_half": ConvUnit(half, quarter, norm),
                "out": nn.Conv2d(quarter, 1, kernel_size=1),
            }
        )
        self.refiner = (
            FullResolutionRefiner(quarter, config.refiner_channels, norm)
            if config.refiner_channels
            else None
        )
        self.fov = (
            ConvFovHead(features, config.fov_grid, self._fov_encoder(config.fov_encoder_stages))
            if config.use_fov_head
            else None
        )
        self._pyramid_norms = [
            m for m in self.backbone.modules() if isinstance(m, PyramidBatchNorm2d)
        ]
        self._init_weights()

    def _fov_encoder(self, stages: int) -> FovImageEncoder | None:
        if not stages:
            return None
        config = self.config
        return FovImageEncoder(config.backbone, config.norm, stages, config.decoder_features)

    @staticmethod
    def _decoder_level(stride: int) -> int:
        return DECODER_STRIDES.index(min(stride, DECODER_STRIDES[-1]))

    def _init_weights(self) -> None:
        """He initialisation of the decoder convolutions; the depth map starts near 0.3 everywhere.

        Residual units keep their zero last norm (identities at start).
        """
        for module in (self.projections, self.refinements, self.head):
            for layer in module.modules():
                if isinstance(layer, nn.Conv2d):
                    nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
                    if layer.bias is not None:
                        nn.init.zeros_(layer.bias)
        out = self.head["out"]
        # Small, not zero: the fresh map already depends on the image (and every layer gets a
        # gradient from the first step).
        nn.init.normal_(out.weight, std=1e-3)
        nn.init.constant_(out.bias, math.log(INITIAL_INVERSE_DEPTH))

    def add_refiner(self, channels: int) -> None:
        """Give a network without one a fresh `FullResolutionRefiner` of `channels` channels.

        The refiner's correction starts at zero, so the network's output is unchanged until it
        trains; `config` records the new width, so saved weights load with it.

        Raises:
            ValueError: if the network already has a refiner or `channels` < 1.
        """
        if self.refiner is not None:
            raise ValueError(
                f"the network already has a {self.config.refiner_channels}-channel refiner"
            )
        if channels < 1:
            raise ValueError(f"refiner channels must be >= 1, got {channels}")
        quarter = self.config.decoder_features // 4
        device = self.head["out"].weight.device
        self.refiner = FullResolutionRefiner(quarter, channels, self.config.norm).to(device)
        self.config = dataclasses.replace(self.config, refiner_channels=channels)

    def replace_fov_head(self, grid: int) -> None:
        """Give the network a fresh FOV head that pools over a `grid` x `grid` grid.

        The depth network is untouched; `config` records the grid, so saved weights load with it.

        Raises:
            ValueError: if the network has no FOV head (`use_fov_head` false) or `grid` < 1.
        """
        if self.fov is None:
            raise ValueError("this network has no FOV head (use_fov_head is false)")
        device = self.head["out"].weight.device
        encoder = self._fov_encoder(self.config.fov_encoder_stages)
        self.fov = ConvFovHead(self.config.decoder_features, grid, encoder).to(device)
        self.config = dataclasses.replace(self.config, fov_grid=grid)

    def add_fov_encoder(self, stages: int) -> None:
        """Give the FOV head an image encoder: the depth backbone's first `stages` stages, copied.

        The copy starts from the trained depth backbone's weights (Depth Pro starts its FOV
        encoder from pretrained weights too), and its projection from zero, so the head's
        output is unchanged until it trains; `config` records the stages, so saved weights
        load with it.

        Raises:
            ValueError: if the network has no FOV head, its head has an encoder already, or
                `stages` is not 1-4.
        """
        if self.fov is None:
            raise ValueError("this network has no FOV head (use_fov_head is false)")
        if self.fov.encoder is not None:
            raise ValueError(
                f"the FOV head already has a {self.config.fov_encoder_stages}-stage image encoder"
            )
        self.fov.encoder = self._fov_encoder(stages).to(self.head["out"].weight.device)
        self.config = dataclasses.replace(self.config, fov_encoder_stages=stages)
        self.start_fov_encoder_from_backbone()

    def set_fov_span(self, span: str) -> None:
        """Read the FOV head's output as the angle across `span` (`ConvDepthConfig.fov_span`).

        The head's weights stay: a head trained for another span needs a focal stage.

        Raises:
            ValueError: if the network has no FOV head, or `span` is unknown.
        """
        if self.fov is None:
            raise ValueError("this network has no FOV head (use_fov_head is false)")
        self.config = dataclasses.replace(self.config, fov_span=span)

    @torch.no_grad()
    def start_fov_encoder_from_backbone(self) -> None:
        """Copy the depth backbone's current weights into the FOV encoder; zero its projection.

        The head's output is then what it was without the encoder until the encoder trains.

        Raises:
            ValueError: if the FOV head has no image encoder.
        """
        encoder = self.fov.encoder if self.fov is not None else None
        if encoder is None:
            raise ValueError("the FOV head has no image encoder (fov_encoder_stages is 0)")
        missing, _ = encoder.backbone.load_state_dict(self.backbone.state_dict(), strict=False)
        if missing:
            raise ValueError(f"FOV encoder weights missing from the depth backbone: {missing}")
        encoder.projection.weight.zero_()
        encoder.projection.bias.zero_()

    @property
    def network_resolution(self) -> int:
        """Side of the square input the network expects."""
        return self.config.resolution

    def encoder_modules(self) -> list[nn.Module]:
        """The modules that take the encoder learning rate: the backbone(s).

        The FOV head's image encoder counts too: it is a copy of the backbone's first stages.
        """
        fov_encoder = self.fov.encoder if self.fov is not None else None
        return [self.backbone] + ([fov_encoder.backbone] if fov_encoder is not None else [])

    def set_inference_options(
        self, patch_micro_batch: int | None = None, reduced_pyramid: bool = False
    ) -> None:
        """Refuse the ViT pyramid's options: this network cuts no patches.

        Raises:
            ValueError: if either option is set.
        """
        if patch_micro_batch is not None or reduced_pyramid:
            raise ValueError(
                "patch_micro_batch and reduced_pyramid apply to the ViT Depth Pro only; "
                f"this network ({self.config.backbone} ConvDepthPro) has no pyramid patches"
            )

    @torch.no_grad()
    def init_output_biases(self, inverse_depth: float, fov_deg: float) -> None:
        """Start the depth map near `inverse_depth` (bias log C) and the FOV head at `fov_deg`."""
        self.head["out"].bias.fill_(math.log(inverse_depth))
        if self.fov is not None:
            self.fov.linear.bias.fill_(fov_deg)

    def _decode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pyramid, shared backbone, coarse-to-fine decoder.

        Returns:
            Decoder features (B, D, S/4, S/4) and the coarsest ones (B, D, S/32, S/32).
        """
        size = images.shape[-1]
        grouped: list[list[torch.Tensor]] = [[] for _ in DECODER_STRIDES]
        for level_index, scale in enumerate(PYRAMID_SCALES):
            for norm in self._pyramid_norms:
                norm.level = level_index
            # Bilinear without antialias, as Depth Pro's pyramid (encoder.py).
            level = (
                images
                if scale == 1
                else F.interpolate(
                    images, scale_factor=1 / scale, mode="bilinear", align_corners=False
                )
            )
            for stride, feature_map in zip(BACKBONE_STRIDES, self.backbone(level), strict=True):
                grouped[self._decoder_level(stride * scale)].append(feature_map)
        x = None
        lowres = None
        for index in range(len(DECODER_STRIDES) - 1, -1, -1):
            side = size // DECODER_STRIDES[index]
            maps = [m if m.shape[-1] == side else upsample(m, side) for m in grouped[index]]
            lateral = self.projections[index](torch.cat(maps, dim=1))
            x = lateral if x is None else upsample(x, side) + lateral
            x = self.refinements[index](F.relu(x))
            if lowres is None:
                lowres = x
        return x, lowres

    def forward(self, images: torch.Tensor, run_fov: bool = True) -> DepthProOutput:
        """Predict canonical inverse depth (and the FOV) from normalised images.

        Args:
            images: (B, 3, S, S) in [-1, 1], S = `network_resolution`.
            run_fov: run the FOV head.

        Returns:
            A `DepthProOutput`; canonical inverse depth is strictly positive.

        Raises:
            ValueError: if the input is not (B, 3, S, S).
        """
        size = self.network_resolution
        check_network_input(images, size)
        features, lowres = self._decode(images)
        x = self.head["conv_quarter"](features)
        x = self.head["conv_half"](upsample(x, size // 2))
        # The 1x1 convolution and bilinear upsampling are both linear, so convolving first is
        # the same map as upsampling first, at a sixteenth of the memory.
        z_half = self.head["out"](x)
        z = upsample(z_half, size) if self.refiner is None else self.refiner(images, x, z_half)
        # Log-space output: canonical inverse depth is positive everywhere, as log losses need.
        canonical = torch.exp(z.clamp(-LOG_INVERSE_DEPTH_LIMIT, LOG_INVERSE_DEPTH_LIMIT))
        fov_deg = None
        if run_fov and self.fov is not None:
            # §3.3: the FOV head is trained on frozen depth features.
            fov_deg = self.fov(lowres.detach(), images)
        return DepthProOutput(canonical_inverse_depth=canonical, fov_deg=fov_deg)
