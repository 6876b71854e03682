"""Frozen, strictly typed configurations of the networks (pydantic dataclasses).

Small configs compose into `DepthProConfig` (the ViT Depth Pro); `ConvDepthConfig` describes the
convolutional hybrid. Each names its `architecture`, which checkpoints store next to the config.
Every preset lives in `sharp_depth_ros.model.presets`; this module only defines the shapes of
configs, their validation and (de)serialisation. `from_dict` refuses unknown keys, wrong types
and invalid values with the full key path (`sharp_depth_ros.typed_config`).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import field
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from pydantic.dataclasses import dataclass

from sharp_depth_ros.pinhole import FovSpan
from sharp_depth_ros.typed_config import STRICT, parse_config

# §3.1 / reference code: patches at 1536 overlap by 25 %, patches at 768 by 50 %.
HIGH_RES_OVERLAP_RATIO = 0.25
MID_RES_OVERLAP_RATIO = 0.5
# The decoder upsamples the merged token grid 64x (three 2x deconvs in latent0, one in the
# head, and 4x from the pyramid tiling), so the network resolution equals 64 x grid only when
# the ViT patch is 16 px.
REQUIRED_PATCH_SIZE = 16


def _require(condition: bool, name: str, value: Any, allowed: str) -> None:
    if not condition:
        raise ValueError(f"{name}={value!r} is invalid; expected {allowed}")


NetworkConfigT = TypeVar("NetworkConfigT", bound="_DictForm")


class _DictForm:
    """The plain-JSON form of a network config, as checkpoints store it."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the inverse of `from_dict`)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses

    @classmethod
    def from_dict(cls: type[NetworkConfigT], data: dict[str, Any]) -> NetworkConfigT:
        """Build from `to_dict` output (or a checkpoint's JSON).

        Raises:
            ValueError: on unknown keys, wrong types or invalid values, naming the key path.
        """
        return parse_config(cls, data, "model config")


@dataclass(frozen=True, kw_only=True, config=STRICT)
class ViTConfig:
    """A plain pre-norm ViT with class token and LayerScale (DINOv2 layout)."""

    embed_dim: PositiveInt = 1024  # official checkpoint (ViT-L)
    depth: PositiveInt = 24  # official checkpoint
    num_heads: PositiveInt = 16  # official checkpoint
    mlp_ratio: PositiveFloat = 4.0  # DINOv2 ViT-L
    img_size: PositiveInt = 384  # official checkpoint: the patch size of the pyramid split
    patch_size: int = REQUIRED_PATCH_SIZE  # official checkpoint (DINOv2's 14 re-shaped to 16)
    layer_scale_init: float = 1e-5  # DINOv2
    layernorm_eps: PositiveFloat = 1e-6  # DINOv2
    qkv_bias: bool = True  # DINOv2

    def __post_init__(self) -> None:
        _require(
            self.embed_dim % self.num_heads == 0,
            "num_heads",
            self.num_heads,
            f"a positive divisor of embed_dim={self.embed_dim}",
        )
        _require(
            self.patch_size == REQUIRED_PATCH_SIZE,
            "patch_size",
            self.patch_size,
            f"{REQUIRED_PATCH_SIZE} (the decoder's upsampling assumes 16 px patches)",
        )
        _require(
            self.img_size % (8 * self.patch_size) == 0,
            "img_size",
            self.img_size,
            f"a positive multiple of {8 * self.patch_size} so that patch overlaps are whole tokens",
        )

    @property
    def grid_size(self) -> int:
        """Tokens per side of the ViT's patch grid."""
        return self.img_size // self.patch_size


@dataclass(frozen=True, kw_only=True, config=STRICT)
class DepthProConfig(_DictForm):
    """The whole network: patch, image and FOV encoders, decoder and heads."""

    architecture: ClassVar[str] = "depth_pro"

    patch_encoder: ViTConfig = field(default_factory=ViTConfig)
    image_encoder: ViTConfig = field(default_factory=ViTConfig)
    fov_encoder: ViTConfig | None = field(default_factory=ViTConfig)
    use_fov_head: bool = True  # official checkpoint
    hook_block_ids: tuple[int, int] = (5, 11)  # official: encoder_feature_layer_ids[:2]
    # official checkpoint
    encoder_feature_dims: tuple[PositiveInt, PositiveInt, PositiveInt, PositiveInt] = (
        256,
        512,
        1024,
        1024,
    )
    decoder_features: PositiveInt = 256  # official checkpoint
    head_last_dims: tuple[PositiveInt, PositiveInt] = (32, 1)  # hard-coded in the reference

    def __post_init__(self) -> None:
        _require(
            self.image_encoder.img_size == self.patch_encoder.img_size,
            "image_encoder.img_size",
            self.image_encoder.img_size,
            f"equal to patch_encoder.img_size={self.patch_encoder.img_size}",
        )
        if self.fov_encoder is not None:
            _require(
                self.fov_encoder.img_size == self.patch_encoder.img_size,
                "fov_encoder.img_size",
                self.fov_encoder.img_size,
                f"equal to patch_encoder.img_size={self.patch_encoder.img_size}",
            )
        depth = self.patch_encoder.depth
        _require(
            all(0 <= i < depth for i in self.hook_block_ids)
            and self.hook_block_ids[0] < self.hook_block_ids[1],
            "hook_block_ids",
            self.hook_block_ids,
            f"two increasing block indices in [0, {depth})",
        )
        _require(
            self.decoder_features % 8 == 0,
            "decoder_features",
            self.decoder_features,
            "a positive multiple of 8 (the FOV head halves it three times)",
        )
        _require(
            self.patch_encoder.grid_size % 4 == 0,
            "patch_encoder.img_size",
            self.patch_encoder.img_size,
            "a multiple of 64 px so the FOV head can reduce the grid by 4",
        )

    @property
    def patch_px(self) -> int:
        """Side of one pyramid patch in pixels (the ViT input size)."""
        return self.patch_encoder.img_size

    @property
    def network_resolution(self) -> int:
        """Side of the square network input: 4 patches wide (1536 for the official model)."""
        return 4 * self.patch_px

    @property
    def decoder_dims(self) -> tuple[int, ...]:
        """Channel counts of the five encoder outputs, as the decoder sees them."""
        return (self.decoder_features, *self.encoder_feature_dims)

    @classmethod
    def from_reference_json(cls, data: dict[str, Any]) -> DepthProConfig:
        """Build from the reference-style JSON of `shared/fixtures/reduced_config.json`.

        That format describes one ViT shared by the three encoders, the four
        `encoder_feature_layer_ids` (only the first two are hooked) and the decoder widths.
        """
        vit = data["vit"]
        if vit.get("patch_size", REQUIRED_PATCH_SIZE) != REQUIRED_PATCH_SIZE:
            raise ValueError(
                f"vit.patch_size={vit['patch_size']!r}; expected {REQUIRED_PATCH_SIZE}"
            )
        vit_config = ViTConfig(
            embed_dim=int(vit["embed_dim"]),
            depth=int(vit["depth"]),
            num_heads=int(vit["num_heads"]),
            mlp_ratio=float(vit.get("mlp_ratio", vit.get("mlp_hidden_dim", 0) / vit["embed_dim"])),
            img_size=int(vit.get("img_size", data.get("patch_resolution", 384))),
            layernorm_eps=float(vit.get("layernorm_eps", 1e-6)),
            qkv_bias=bool(vit.get("qkv_bias", True)),
        )
        use_fov = bool(data.get("use_fov_head", True))
        layer_ids = tuple(int(i) for i in data["encoder_feature_layer_ids"])
        return cls(
            patch_encoder=vit_config,
            image_encoder=vit_config,
            fov_encoder=vit_config if use_fov else None,
            use_fov_head=use_fov,
            hook_block_ids=(layer_ids[0], layer_ids[1]),
            encoder_feature_dims=tuple(int(d) for d in data["encoder_feature_dims"]),
            decoder_features=int(data["decoder_features"]),
            head_last_dims=tuple(int(d) for d in data.get("head_last_dims", (32, 1))),
        )

    @classmethod
    def from_any_json(cls, data: dict[str, Any]) -> DepthProConfig:
        """Accept either our `to_dict` form or the reference-style fixture JSON."""
        if "vit" in data and "encoder_feature_layer_ids" in data:
            return cls.from_reference_json(data)
        return cls.from_dict(data)


ConvNorm = Literal["batch", "group"]
CONV_NORMS: tuple[str, ...] = typing.get_args(ConvNorm)
# ConvDepthPro's deepest map comes from the 1/4 pyramid level at stride 32: S/128 must be whole.
CONV_RESOLUTION_MULTIPLE = 128


@dataclass(frozen=True, kw_only=True, config=STRICT)
class ConvDepthConfig(_DictForm):
    """The convolutional hybrid `ConvDepthPro`: one CNN shared by a three-level image pyramid.

    Attributes:
        backbone: timm model name of a CNN with feature maps at strides 4, 8, 16 and 32; always
            randomly initialised.
        resolution: side S of the square network input; a multiple of 128.
        decoder_features: channels of every decoder level.
        norm: normalisation of the backbone and decoder, "group" (GroupNorm, 8 groups) or
            "batch" (BatchNorm).
        use_fov_head: build the field-of-view head.
        refiner_channels: width of the image-guided stage that predicts depth at the full
            input resolution (`FullResolutionRefiner`); 0 = none, the head's half-resolution
            output is upsampled bilinearly.
        fov_grid: the FOV head averages its last feature map over a fov_grid x fov_grid grid
            before its linear layer; 1 = one mean over the whole image (which forgets where in
            the image each feature is), 2 = the four quadrants.
        fov_encoder_stages: give the FOV head an image encoder of its own (§3.3): the first
            this many stages of a second `backbone` (1-4, ending at stride 4, 8, 16 or 32),
            whose projected map is added to the frozen decoder features the head reads;
            0 = none, the head reads the decoder features alone.
        fov_span: what the FOV head's angle spans: "width" (the horizontal FOV, as the
            reference) or "geometric_mean" (the angle across sqrt(W H) pixels, which the
            squashed input's hidden aspect ratio moves least; `pinhole.span_over_width`).
    """

    architecture: ClassVar[str] = "conv_depth_pro"

    backbone: Annotated[str, Field(min_length=1)] = "resnet18"
    resolution: PositiveInt = 384
    decoder_features: PositiveInt = 64
    norm: ConvNorm = "group"
    use_fov_head: bool = True
    refiner_channels: NonNegativeInt = 0
    fov_grid: PositiveInt = 1
    fov_encoder_stages: Annotated[int, Field(ge=0, le=4)] = 0
    fov_span: FovSpan = "width"

    def __post_init__(self) -> None:
        _require(
            self.resolution % CONV_RESOLUTION_MULTIPLE == 0,
            "resolution",
            self.resolution,
            f"a positive multiple of {CONV_RESOLUTION_MULTIPLE} (the 1/4 pyramid level is "
            "downsampled 32x)",
        )
        _require(
            self.decoder_features % 8 == 0,
            "decoder_features",
            self.decoder_features,
            "a positive multiple of 8 (GroupNorm groups, the heads halve it twice)",
        )

    @property
    def network_resolution(self) -> int:
        """Side of the square network input."""
        return self.resolution


NetworkConfig = DepthProConfig | ConvDepthConfig
ARCHITECTURES: dict[str, type[DepthProConfig] | type[ConvDepthConfig]] = {
    DepthProConfig.architecture: DepthProConfig,
    ConvDepthConfig.architecture: ConvDepthConfig,
}


def network_config_from_dict(
    data: dict[str, Any], architecture: str = DepthProConfig.architecture
) -> NetworkConfig:
    """Build the config of an architecture from its `to_dict` form.

    Raises:
        ValueError: unknown architecture, unknown keys or invalid values.
    """
    try:
        config_class = ARCHITECTURES[architecture]
    except KeyError:
        raise ValueError(
            f"architecture={architecture!r} is invalid; expected one of {sorted(ARCHITECTURES)}"
        ) from None
    return config_class.from_dict(data)


def network_config_from_json(data: dict[str, Any]) -> NetworkConfig:
    """Accept a JSON model config: ours (with an optional `architecture` key) or the reference's.

    Without `architecture` the file describes the ViT Depth Pro (`DepthProConfig.from_any_json`).
    """
    if "architecture" not in data:
        return DepthProConfig.from_any_json(data)
    rest = {key: value for key, value in data.items() if key != "architecture"}
    return network_config_from_dict(rest, data["architecture"])
