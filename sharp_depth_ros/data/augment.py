"""Training augmentations: Depth Pro's colour, blur and FOV change, a mirror and sensor noise.

Colour change p=0.75, blur p=0.3, and a centre-crop field-of-view change p=0.5 that updates the
intrinsics consistently ([P] Tab. 16). The mirror (p=0.5) is not in the paper's table; a
left-right flip keeps every depth cue (ground, verticals, sizes) and doubles the scenes a
network trained from scratch on a few thousand renders sees. Sensor noise (off by default) is
not in the table either: the renders are denoised and clean, real cameras are not, and noise of
3 % at mid-grey moved the shipped model's depth on held-out renders by up to 30 % (p90) and cut
its delta1 from 0.58 to 0.49 (`benchmarks/appearance_sensitivity.py`).

Tensors: image (3, H, W) float in [0, 1], depth_m (1, H, W), valid (1, H, W) bool, intrinsics
(3, 3) float64 with pixel centres at integer coordinates (see `camera.py`). Depth and validity
are resampled with nearest neighbours so no depth value is ever a blend of two surfaces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torchvision.transforms.v2 import functional as TF


@dataclass(frozen=True, kw_only=True)
class AugmentConfig:
    """Probabilities and ranges.

    Attributes:
        colour_probability: chance of a colour change ([P] Tab. 16: 0.75).
        blur_probability: chance of a Gaussian blur ([P] Tab. 16: 0.3).
        crop_probability: chance of the centre-crop FOV change ([P] Tab. 16: 0.5).
        crop_scale: range of the kept fraction of width and height.
        brightness: maximum relative brightness change.
        contrast: maximum relative contrast change.
        saturation: maximum relative saturation change.
        hue: maximum hue shift (fraction of the colour circle, <= 0.5).
        blur_sigma_px: range of the blur's standard deviation.
        flip_probability: chance of a horizontal mirror (drawn after the colour and blur, so
            their draws for a seed are the same with or without it).
        noise_probability: chance of sensor noise (drawn last; 0, the default, draws nothing,
            so every other augmentation of a seed is unchanged).
        noise_sigma: range of the noise's standard deviation at mid-grey (18 % linear light),
            as a fraction of full scale; see `add_sensor_noise`.
        vignette_probability: chance of lens vignetting (drawn after the mirror and before the
            noise; 0, the default, draws nothing, so every augmentation of a seed is unchanged).
        vignette_strength: range of the fraction of light lost in the image corners; see
            `add_vignetting`.
        texture_probability: chance of surface texture (drawn after the mirror and before the
            vignetting; 0, the default, draws nothing, so every augmentation of a seed is
            unchanged).
        texture_contrast: range of the texture's standard deviation in linear light, relative.
        texture_feature_m: range of the texture's feature size on the surfaces, in metres.
    """

    colour_probability: float = 0.75
    blur_probability: float = 0.3
    crop_probability: float = 0.5
    crop_scale: tuple[float, float] = (0.5, 1.0)
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    hue: float = 0.05
    blur_sigma_px: tuple[float, float] = (0.3, 1.5)
    flip_probability: float = 0.5
    noise_probability: float = 0.0
    noise_sigma: tuple[float, float] = (0.005, 0.04)
    vignette_probability: float = 0.0
    vignette_strength: tuple[float, float] = (0.1, 0.6)
    texture_probability: float = 0.0
    texture_contrast: tuple[float, float] = (0.05, 0.3)
    texture_feature_m: tuple[float, float] = (0.004, 0.04)

    def __post_init__(self) -> None:
        for name in (
            "colour_probability",
            "blur_probability",
            "crop_probability",
            "flip_probability",
            "noise_probability",
            "vignette_probability",
            "texture_probability",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(
                    f"AugmentConfig.{name} must be in [0, 1], got {getattr(self, name)}"
                )
        low, high = self.crop_scale
        if not 0.0 < low <= high <= 1.0:
            raise ValueError(
                f"AugmentConfig.crop_scale must satisfy 0 < low <= high <= 1, got {(low, high)}"
            )
        if not 0.0 <= self.hue <= 0.5:
            raise ValueError(f"AugmentConfig.hue must be in [0, 0.5], got {self.hue}")
        low, high = self.blur_sigma_px
        if not 0.0 < low <= high:
            raise ValueError(
                f"AugmentConfig.blur_sigma_px must satisfy 0 < low <= high, got {(low, high)}"
            )
        low, high = self.noise_sigma
        if not 0.0 <= low <= high:
            raise ValueError(
                f"AugmentConfig.noise_sigma must satisfy 0 <= low <= high, got {(low, high)}"
            )
        low, high = self.vignette_strength
        if not 0.0 <= low <= high < 1.0:
            raise ValueError(
                "AugmentConfig.vignette_strength must satisfy 0 <= low <= high < 1, "
                f"got {(low, high)}"
            )
        low, high = self.texture_contrast
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(
                "AugmentConfig.texture_contrast must satisfy 0 <= low <= high <= 1, "
                f"got {(low, high)}"
            )
        low, high = self.texture_feature_m
        if not 0.0 < low <= high:
            raise ValueError(
                f"AugmentConfig.texture_feature_m must satisfy 0 < low <= high, got {(low, high)}"
            )


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


def crop_and_resize(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    intrinsics: torch.Tensor,
    box: tuple[int, int, int, int],
    size: tuple[int, int],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Crop the integer pixel box (x0, y0, width, height) and resize to `size` (H, W).

    The image is resized bilinearly (with anti-aliasing); depth and validity with nearest
    neighbours. With pixel centres at integers, output pixel u' sees input x = (u' + 0.5) / s
    - 0.5 + x0, so f' = s f and c' = (c - x0 + 0.5) s - 0.5.

    Returns:
        (image, depth_m, valid, intrinsics) at the new size.
    """
    x0, y0, width, height = box
    out_h, out_w = size
    image = image[:, y0 : y0 + height, x0 : x0 + width]
    depth_m = depth_m[:, y0 : y0 + height, x0 : x0 + width]
    valid = valid[:, y0 : y0 + height, x0 : x0 + width]
    scale_x, scale_y = out_w / width, out_h / height
    if (out_h, out_w) != (height, width):
        image = F.interpolate(
            image[None], size=size, mode="bilinear", antialias=True, align_corners=False
        )[0].clamp(0.0, 1.0)
        depth_m = F.interpolate(depth_m[None], size=size, mode="nearest-exact")[0]
        valid = F.interpolate(valid[None].float(), size=size, mode="nearest-exact")[0] > 0.5
    k = intrinsics.clone()
    k[0, 0], k[1, 1] = intrinsics[0, 0] * scale_x, intrinsics[1, 1] * scale_y
    k[0, 2] = (intrinsics[0, 2] - x0 + 0.5) * scale_x - 0.5
    k[1, 2] = (intrinsics[1, 2] - y0 + 0.5) * scale_y - 0.5
    return image.contiguous(), depth_m.contiguous(), valid.contiguous(), k


def rotate_hue(image: torch.Tensor, shift: float) -> torch.Tensor:
    """Shift the hue by `shift` of the colour circle: a rotation about the grey axis of RGB.

    Greys stay grey, and a shift of 1/3 takes red to green, as in HSV; one 3x3 matrix per image
    instead of torchvision's round trip through HSV, which took a quarter of a training sample's
    preparation time. Values may leave [0, 1] slightly; `augment` clamps at the end.
    """
    angle = 2.0 * math.pi * shift
    cos, sin = math.cos(angle), math.sin(angle)
    axis = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    matrix = cos * torch.eye(3) + (1.0 - cos) / 3.0 * torch.ones(3, 3) + sin / math.sqrt(3) * axis
    return torch.einsum("ij,jhw->ihw", matrix.to(image.dtype), image)


def mirror(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    intrinsics: torch.Tensor,
    alpha: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Mirror left-right.

    With pixel centres at integers, column u becomes W - 1 - u, so cx' = W - 1 - cx and the
    unprojected points are those of the input with x negated.
    """
    width = image.shape[-1]
    k = intrinsics.clone()
    k[0, 2] = width - 1 - intrinsics[0, 2]
    image, depth_m, valid = (t.flip(-1) for t in (image, depth_m, valid))  # flip copies
    return image, depth_m, valid, k, None if alpha is None else alpha.flip(-1)


def add_sensor_noise(image: torch.Tensor, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Add a camera's shot and read noise to an sRGB image in [0, 1].

    In linear light (sRGB approximated by gamma 2.2) the noise is Gaussian with standard
    deviation sigma x sqrt(L / 0.18 + 0.05): it grows with the signal like photon shot noise
    (sigma at mid-grey L = 0.18) and keeps a floor in the shadows like read noise. Back in
    sRGB the shadows come out noisiest, as in a real camera's dark regions.
    """
    linear = image.clamp(0.0, 1.0) ** 2.2
    std = sigma * torch.sqrt(linear / 0.18 + 0.05)
    noise = torch.randn(image.shape, generator=generator, dtype=image.dtype)
    return (linear + noise * std).clamp(0.0, 1.0) ** (1.0 / 2.2)


def add_vignetting(image: torch.Tensor, strength: float) -> torch.Tensor:
    """Darken an sRGB image in [0, 1] towards its corners, as a lens does.

    In linear light (gamma 2.2, as `add_sensor_noise`) each pixel is scaled by 1 - strength x
    r², with r the distance from the image centre over the centre-to-corner distance: the
    centre keeps its light, the corners lose `strength` of it. A quadratic falloff is the
    leading term of the cos⁴ law and of real lenses' measured vignetting.
    """
    height, width = image.shape[-2:]
    y = torch.arange(height, dtype=image.dtype) - (height - 1) / 2
    x = torch.arange(width, dtype=image.dtype) - (width - 1) / 2
    r2 = (y[:, None] ** 2 + x[None, :] ** 2) / (((height - 1) / 2) ** 2 + ((width - 1) / 2) ** 2)
    linear = image.clamp(0.0, 1.0) ** 2.2
    return (linear * (1.0 - strength * r2)) ** (1.0 / 2.2)


TEXTURE_OCTAVES_PX = (1.5, 3.0, 6.0, 12.0, 24.0)


def _octave_noise(
    height: int, width: int, size_px: float, generator: torch.Generator
) -> torch.Tensor:
    """Unit-variance value noise with features about `size_px` pixels across, (H, W)."""
    coarse_h, coarse_w = math.ceil(height / size_px) + 1, math.ceil(width / size_px) + 1
    coarse = torch.randn((1, 1, coarse_h, coarse_w), generator=generator)
    fine = F.interpolate(coarse, scale_factor=size_px, mode="bicubic", align_corners=False)[
        0, 0, :height, :width
    ]
    return (fine - fine.mean()) / fine.std().clamp_min(1e-6)


def add_surface_texture(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    focal_px: float,
    contrast: float,
    feature_m: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """Give the surfaces of an sRGB image in [0, 1] a fine albedo texture of one metric size.

    The renders' surfaces are smoother than real ones up close, and more so the nearer they
    are, so a network learns "textured means far". This multiplies linear light by 1 + a x n,
    n a unit-variance noise whose features are `feature_m` metres across on the surface:
    feature_m x f / z pixels at depth z (blended between octaves of 1.5-24 px), as a surface
    pattern of fixed size looks in perspective. The amplitude a is `contrast` times a smooth
    random field in [0.2, 1], so some regions stay plain, and falls where features shrink
    below the finest octave (they average out within a pixel). Near surfaces are no longer
    the plainest; the texture's scale and its fading with distance still tell depth, as in
    real images. Invalid pixels (sky) are unchanged.

    Args:
        image: (3, H, W) sRGB in [0, 1].
        depth_m: (1, H, W) planar depth.
        valid: (1, H, W) bool.
        focal_px: the image's focal length in pixels.
        contrast: the texture's largest relative standard deviation in linear light.
        feature_m: feature size on the surfaces, in metres.
        generator: the source of randomness.
    """
    height, width = image.shape[-2:]
    bands = torch.stack(
        [_octave_noise(height, width, size, generator) for size in TEXTURE_OCTAVES_PX]
    )
    depth = torch.nan_to_num(depth_m[0], nan=1e3, posinf=1e3).clamp_min(1e-3)
    size_px = feature_m * focal_px / depth
    position = torch.log2(size_px / TEXTURE_OCTAVES_PX[0]).clamp(0, len(TEXTURE_OCTAVES_PX) - 1)
    lower = position.floor().long().clamp(max=len(TEXTURE_OCTAVES_PX) - 2)
    upper_weight = position - lower
    pattern = (1 - upper_weight) * bands.gather(0, lower[None])[0] + upper_weight * bands.gather(
        0, (lower + 1)[None]
    )[0]
    amplitude = contrast * (
        0.2 + 0.8 * torch.sigmoid(2 * _octave_noise(height, width, 64.0, generator))
    )
    # Features smaller than the finest octave average out within a pixel: the std falls as 1/k
    # for k x k features per pixel.
    amplitude = amplitude * (size_px / TEXTURE_OCTAVES_PX[0]).clamp(max=1.0)
    gain = (1 + amplitude * pattern).clamp(0.2, 1.8)
    textured = ((image.clamp(0.0, 1.0) ** 2.2) * gain).clamp(0.0, 1.0) ** (1.0 / 2.2)
    return torch.where(valid, textured, image)


def centre_box(width: int, height: int, scale: float) -> tuple[int, int, int, int]:
    """The integer centre crop (x0, y0, w, h) keeping `scale` of each side."""
    crop_w, crop_h = max(1, round(width * scale)), max(1, round(height * scale))
    return (width - crop_w) // 2, (height - crop_h) // 2, crop_w, crop_h


def augment(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    intrinsics: torch.Tensor,
    config: AugmentConfig,
    generator: torch.Generator,
    alpha: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Apply the random augmentations; the output has the input's size.

    Args:
        image: (3, H, W) float in [0, 1].
        depth_m: (1, H, W) planar depth.
        valid: (1, H, W) bool.
        intrinsics: (3, 3) K.
        config: probabilities and ranges.
        generator: the only source of randomness (seed it per sample for reproducibility).
        alpha: optional (1, H, W) foreground alpha; it follows the crop like the image.

    Returns:
        (image, depth_m, valid, intrinsics, alpha).
    """
    height, width = image.shape[-2:]
    if float(torch.rand((), generator=generator)) < config.crop_probability:
        # §4 / Tab. 16: a centre crop resized back to full size narrows the field of view, so the
        # network sees more focal lengths; K follows the crop exactly.
        box = centre_box(width, height, _uniform(generator, *config.crop_scale))
        stacked = image if alpha is None else torch.cat([image, alpha])
        stacked, depth_m, valid, intrinsics = crop_and_resize(
            stacked, depth_m, valid, intrinsics, box, (height, width)
        )
        image, alpha = stacked[:3], (None if alpha is None else stacked[3:])
    if float(torch.rand((), generator=generator)) < config.colour_probability:
        image = TF.adjust_brightness(
            image, _uniform(generator, 1 - config.brightness, 1 + config.brightness)
        )
        image = TF.adjust_contrast(
            image, _uniform(generator, 1 - config.contrast, 1 + config.contrast)
        )
        image = TF.adjust_saturation(
            image, _uniform(generator, 1 - config.saturation, 1 + config.saturation)
        )
        image = rotate_hue(image, _uniform(generator, -config.hue, config.hue))
    if float(torch.rand((), generator=generator)) < config.blur_probability:
        sigma = _uniform(generator, *config.blur_sigma_px)
        kernel = 2 * math.ceil(3 * sigma) + 1
        image = TF.gaussian_blur(image, [kernel, kernel], [sigma, sigma])
    if float(torch.rand((), generator=generator)) < config.flip_probability:
        image, depth_m, valid, intrinsics, alpha = mirror(image, depth_m, valid, intrinsics, alpha)
    if config.texture_probability > 0.0:
        if float(torch.rand((), generator=generator)) < config.texture_probability:
            image = add_surface_texture(
                image,
                depth_m,
                valid,
                float(intrinsics[0, 0]),
                _uniform(generator, *config.texture_contrast),
                math.exp(_uniform(generator, *(math.log(v) for v in config.texture_feature_m))),
                generator,
            )
    if config.vignette_probability > 0.0:
        if float(torch.rand((), generator=generator)) < config.vignette_probability:
            image = add_vignetting(image, _uniform(generator, *config.vignette_strength))
    if config.noise_probability > 0.0:
        if float(torch.rand((), generator=generator)) < config.noise_probability:
            sigma = _uniform(generator, *config.noise_sigma)
            image = add_sensor_noise(image, sigma, generator)
    return image.clamp(0.0, 1.0), depth_m, valid, intrinsics, alpha
