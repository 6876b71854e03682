from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyoidn")

from sharp_depth_ros.data.denoise import denoise_radiance  # noqa: E402


def noisy_texture(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fine checker albedo (2 px squares) under even light, with low-spp-like noise."""
    y, x = np.mgrid[0:64, 0:64]
    albedo = np.where((x // 2 + y // 2) % 2 == 0, 0.25, 0.75).astype(np.float32)
    albedo = np.repeat(albedo[..., None], 3, axis=-1)
    rng = np.random.default_rng(seed)
    # Monte Carlo noise: a mean-preserving gamma-distributed weight per pixel (a few paths).
    weight = rng.gamma(shape=3.0, scale=1 / 3.0, size=(64, 64, 1)).astype(np.float32)
    return albedo * weight, albedo


def texture_kept(denoised: np.ndarray, albedo: np.ndarray) -> float:
    """Correlation of the denoised luminance with the true albedo pattern."""
    return float(np.corrcoef(denoised.mean(-1).ravel(), albedo.mean(-1).ravel())[0, 1])


def test_an_albedo_guide_keeps_fine_texture_that_colour_only_denoising_smooths_away():
    radiance, albedo = noisy_texture()
    colour_only = texture_kept(denoise_radiance(radiance), albedo)
    normal = np.zeros_like(albedo)
    normal[..., 2] = 1.0
    guided = texture_kept(denoise_radiance(radiance, albedo, normal), albedo)
    assert guided > 0.95
    assert guided > colour_only + 0.2, (guided, colour_only)


def test_guides_of_the_wrong_shape_or_a_normal_alone_are_refused():
    radiance, albedo = noisy_texture()
    with pytest.raises(ValueError, match="albedo has shape"):
        denoise_radiance(radiance, albedo[:32])
    with pytest.raises(ValueError, match="needs an albedo"):
        denoise_radiance(radiance, None, albedo)
