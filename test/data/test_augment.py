from __future__ import annotations

import numpy as np
import pytest
import torch

from sharp_depth_ros.data.augment import (
    AugmentConfig,
    add_sensor_noise,
    add_surface_texture,
    add_vignetting,
    augment,
    centre_box,
    crop_and_resize,
    mirror,
)
from sharp_depth_ros.data.camera import Camera, unproject_pixels


def scene_tensors(width: int = 40, height: int = 30):
    camera = Camera(width=width, height=height, hfov_deg=70.0)
    rng = np.random.default_rng(0)
    depth = rng.uniform(1.0, 9.0, (height, width)).astype(np.float32)
    image = torch.from_numpy(rng.uniform(0, 1, (3, height, width)).astype(np.float32))
    valid = torch.from_numpy(depth < 8.0)[None]
    return image, torch.from_numpy(depth)[None], valid, torch.from_numpy(camera.intrinsics())


def points(depth: torch.Tensor, k: torch.Tensor) -> np.ndarray:
    height, width = depth.shape[-2:]
    v, u = np.mgrid[0:height, 0:width]
    pixels = np.stack([u.ravel(), v.ravel()], axis=1)
    return unproject_pixels(k.numpy(), pixels, depth[0].numpy().ravel()).reshape(height, width, 3)


def test_plain_crop_unprojects_to_the_same_3d_points():
    image, depth, valid, k = scene_tensors()
    box = (5, 3, 24, 20)
    _, cropped, _, k2 = crop_and_resize(image, depth, valid, k, box, (20, 24))
    original = points(depth, k)[3:23, 5:29]
    np.testing.assert_allclose(points(cropped, k2), original, rtol=1e-6)


def test_crop_and_resize_rays_hit_the_continuous_source_position():
    image, depth, valid, k = scene_tensors()
    box = centre_box(40, 30, 0.6)
    _, _, _, k2 = crop_and_resize(image, depth, valid, k, box, (30, 40))
    scale = 40 / box[2]
    out = np.array([[0.0, 0.0], [39.0, 29.0], [17.0, 11.0]])
    source = (out + 0.5) / scale - 0.5 + np.array(box[:2])
    np.testing.assert_allclose(
        unproject_pixels(k2.numpy(), out, np.ones(3)),
        unproject_pixels(k.numpy(), source, np.ones(3)),
        atol=1e-9,
    )
    assert float(k2[0, 0]) == pytest.approx(float(k[0, 0]) * scale)


def test_resized_depth_takes_values_of_source_pixels_only():
    image, depth, valid, k = scene_tensors()
    _, resized, resized_valid, _ = crop_and_resize(
        image, depth, valid, k, centre_box(40, 30, 0.55), (30, 40)
    )
    assert set(resized.unique().tolist()) <= set(depth.unique().tolist())
    assert resized_valid.dtype == torch.bool


def test_augment_keeps_depth_and_intrinsics_consistent_after_fov_crop():
    image, depth, valid, k = scene_tensors()
    config = AugmentConfig(
        crop_probability=1.0,
        colour_probability=0.0,
        blur_probability=0.0,
        crop_scale=(0.5, 0.5),
        flip_probability=0.0,
    )
    out_image, out_depth, _, out_k, _ = augment(
        image, depth, valid, k, config, torch.Generator().manual_seed(1)
    )
    assert out_image.shape == image.shape and out_depth.shape == depth.shape
    assert float(out_k[0, 0]) == pytest.approx(2 * float(k[0, 0]))
    # Output pixel centre (u, v) sits at source (x0 + (u + 0.5) / 2 - 0.5): same ray under both K.
    x0, y0, _, _ = centre_box(40, 30, 0.5)
    out = np.array([[3.0, 4.0], [20.0, 15.0]])
    source = (out + 0.5) / 2 - 0.5 + [x0, y0]
    np.testing.assert_allclose(
        unproject_pixels(out_k.numpy(), out, np.ones(2)),
        unproject_pixels(k.numpy(), source, np.ones(2)),
        atol=1e-9,
    )


def test_mirror_negates_x_of_every_unprojected_point():
    image, depth, valid, k = scene_tensors()
    k[0, 2] = 17.3  # off-centre principal point: cx must move to W - 1 - cx
    alpha = torch.rand(1, 30, 40)
    out_image, out_depth, out_valid, out_k, out_alpha = mirror(image, depth, valid, k, alpha)
    mirrored = points(depth, k)[:, ::-1] * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(points(out_depth, out_k), mirrored, rtol=1e-9, atol=1e-9)
    assert float(out_k[0, 2]) == pytest.approx(39 - 17.3)
    assert torch.equal(out_image[..., 0], image[..., -1])
    assert torch.equal(out_valid[..., 5], valid[..., 34]) and torch.equal(out_alpha, alpha.flip(-1))


def test_flip_is_drawn_last_so_other_draws_keep_their_seed():
    image, depth, valid, k = scene_tensors()
    no_flip = AugmentConfig(flip_probability=0.0)
    always = AugmentConfig(flip_probability=1.0)
    for seed in range(4):
        a = augment(image, depth, valid, k, no_flip, torch.Generator().manual_seed(seed))
        b = augment(image, depth, valid, k, always, torch.Generator().manual_seed(seed))
        assert torch.equal(b[0], a[0].flip(-1)) and torch.equal(b[1], a[1].flip(-1))
        assert float(b[3][0, 0]) == float(a[3][0, 0])


def test_colour_and_blur_change_only_the_image():
    image, depth, valid, k = scene_tensors()
    config = AugmentConfig(
        crop_probability=0.0, colour_probability=1.0, blur_probability=1.0, flip_probability=0.0
    )
    out_image, out_depth, out_valid, out_k, _ = augment(
        image, depth, valid, k, config, torch.Generator().manual_seed(2)
    )
    assert not torch.equal(out_image, image)
    assert torch.equal(out_depth, depth) and torch.equal(out_valid, valid) and torch.equal(out_k, k)
    assert 0.0 <= float(out_image.min()) and float(out_image.max()) <= 1.0


def test_same_generator_seed_gives_the_same_augmentation():
    image, depth, valid, k = scene_tensors()
    config = AugmentConfig()
    a = augment(image, depth, valid, k, config, torch.Generator().manual_seed(7))
    b = augment(image, depth, valid, k, config, torch.Generator().manual_seed(7))
    for x, y in zip(a[:4], b[:4], strict=True):
        assert torch.equal(x, y)


def test_probabilities_follow_the_paper_by_default():
    config = AugmentConfig()
    assert (config.colour_probability, config.blur_probability, config.crop_probability) == (
        0.75,
        0.3,
        0.5,
    )
    assert config.flip_probability == 0.5
    with pytest.raises(ValueError, match="crop_probability"):
        AugmentConfig(crop_probability=1.5)
    with pytest.raises(ValueError, match="flip_probability"):
        AugmentConfig(flip_probability=-0.1)


def test_hue_rotation_keeps_greys_cycles_primaries_and_follows_hsv() -> None:
    from torchvision.transforms.v2 import functional as TF

    from sharp_depth_ros.data.augment import rotate_hue

    grey = torch.full((3, 4, 4), 0.4)
    assert torch.allclose(rotate_hue(grey, 0.17), grey, atol=1e-6)
    image = torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(rotate_hue(image, 0.0), image, atol=1e-6)
    red = torch.tensor([1.0, 0.0, 0.0]).view(3, 1, 1)
    assert torch.allclose(
        rotate_hue(red, 1 / 3).flatten(), torch.tensor([0.0, 1.0, 0.0]), atol=1e-6
    )
    assert torch.allclose(
        rotate_hue(red, -1 / 3).flatten(), torch.tensor([0.0, 0.0, 1.0]), atol=1e-6
    )
    # A small shift moves colours the way HSV's hue shift does (torchvision), by a like amount.
    ours = rotate_hue(image, 0.05).clamp(0, 1) - image
    hsv = TF.adjust_hue(image, 0.05) - image
    assert torch.nn.functional.cosine_similarity(ours.flatten(), hsv.flatten(), dim=0) > 0.7
    assert 0.7 < ours.abs().mean() / hsv.abs().mean() < 1.4


@pytest.mark.parametrize("grey", [0.3, 0.5, 0.8])  # away from the clamps
def test_sensor_noise_has_the_stated_spread_in_linear_light(grey):
    sigma = 0.02
    image = torch.full((3, 200, 200), grey)
    noisy = add_sensor_noise(image, sigma, torch.Generator().manual_seed(0))
    linear, noisy_linear = grey**2.2, noisy.double() ** 2.2
    expected = sigma * np.sqrt(linear / 0.18 + 0.05)
    assert float((noisy_linear - linear).std()) == pytest.approx(expected, rel=0.05)
    assert abs(float((noisy_linear - linear).mean())) < expected / 20  # unbiased
    assert 0.0 <= float(noisy.min()) and float(noisy.max()) <= 1.0


def plain_and_changed(changed: AugmentConfig, seeds=range(4)):
    """(plain, changed) augmentations of the same seeds; their geometry must be the same."""
    image, depth, valid, k = scene_tensors()
    for seed in seeds:
        a = augment(image, depth, valid, k, AugmentConfig(), torch.Generator().manual_seed(seed))
        b = augment(image, depth, valid, k, changed, torch.Generator().manual_seed(seed))
        assert torch.equal(a[1], b[1]) and torch.equal(a[2], b[2]) and torch.equal(a[3], b[3])
        yield a, b


def test_noise_is_drawn_last_and_off_by_default_so_other_draws_keep_their_seed():
    assert AugmentConfig().noise_probability == 0.0
    noisy = AugmentConfig(noise_probability=1.0, noise_sigma=(0.03, 0.03))
    for a, b in plain_and_changed(noisy):
        difference = (b[0] - a[0]).abs()
        assert 0.003 < float(difference.mean()) < 0.1  # the same picture plus noise


def test_noise_settings_out_of_range_are_refused():
    with pytest.raises(ValueError, match="noise_probability"):
        AugmentConfig(noise_probability=1.2)
    with pytest.raises(ValueError, match="noise_sigma"):
        AugmentConfig(noise_sigma=(0.05, 0.01))


@pytest.mark.parametrize("strength", [0.2, 0.5])
def test_vignetting_keeps_the_centre_and_takes_its_strength_from_the_corners(strength):
    grey = 0.6
    image = torch.full((3, 33, 41), grey)  # odd sides: one pixel sits on the centre
    out = add_vignetting(image, strength)
    assert torch.allclose(out[:, 16, 20], torch.full((3,), grey), atol=1e-6)
    for corner in (out[:, 0, 0], out[:, 0, -1], out[:, -1, 0], out[:, -1, -1]):
        assert torch.allclose(corner**2.2, torch.full((3,), grey**2.2 * (1 - strength)), rtol=1e-4)
    # Halfway to a corner along the diagonal: a quarter of the corners' loss (quadratic).
    assert float(out[0, 16 - 8, 20 - 10] ** 2.2) == pytest.approx(grey**2.2 * (1 - strength / 4))
    assert torch.allclose(out, out.flip(-1)) and torch.allclose(out, out.flip(-2))


def test_vignetting_is_off_by_default_and_changes_only_the_image_when_on():
    assert AugmentConfig().vignette_probability == 0.0
    vignetted = AugmentConfig(vignette_probability=1.0, vignette_strength=(0.4, 0.4))
    for a, b in plain_and_changed(vignetted):
        assert torch.allclose(b[0], add_vignetting(a[0], 0.4), atol=1e-6)


def test_vignetting_settings_out_of_range_are_refused():
    with pytest.raises(ValueError, match="vignette_probability"):
        AugmentConfig(vignette_probability=-0.1)
    with pytest.raises(ValueError, match="vignette_strength"):
        AugmentConfig(vignette_strength=(0.2, 1.0))


def texture_on_two_depths(near_m: float, far_m: float, feature_m: float = 0.02):
    """A grey image whose left half lies at `near_m`, right half at `far_m`; f = 500 px."""
    image = torch.full((3, 96, 192), 0.5)
    depth = torch.full((1, 96, 192), far_m)
    depth[..., :96] = near_m
    valid = torch.ones_like(depth, dtype=torch.bool)
    out = add_surface_texture(image, depth, valid, 500.0, 0.3, feature_m, torch.Generator())
    linear = out[0] ** 2.2 / 0.5**2.2 - 1  # the relative texture, a x n
    return linear[:, 8:88], linear[:, 104:184]


def roughness(texture: torch.Tensor) -> float:
    """Mean squared neighbour difference over the variance: high for fine-grained texture."""
    return float(texture.diff(dim=-1).pow(2).mean() / texture.var())


def test_surface_texture_is_coarser_on_near_surfaces_as_in_perspective():
    torch.manual_seed(0)
    near, far = texture_on_two_depths(1.0, 3.0)  # 10 px and 3.3 px features
    assert roughness(near) < 0.5 * roughness(far)
    assert (
        0.3 < float(far.std()) / float(near.std()) < 3
    )  # both textured: contrast alone says nothing


def test_surface_texture_fades_where_features_fall_below_a_pixel():
    near, far = texture_on_two_depths(2.0, 200.0)  # 5 px and 0.05 px features
    assert float(far.std()) < 0.3 * float(near.std())


def test_surface_texture_keeps_the_brightness_and_leaves_invalid_pixels_alone():
    image, depth, valid, k = scene_tensors(width=120, height=90)
    out = add_surface_texture(image, depth, valid, float(k[0, 0]), 0.2, 0.01, torch.Generator())
    assert torch.equal(out[:, ~valid[0]], image[:, ~valid[0]])
    assert not torch.equal(out[:, valid[0]], image[:, valid[0]])
    assert float((out**2.2).mean()) == pytest.approx(float((image**2.2).mean()), rel=0.03)


def test_surface_texture_is_off_by_default_and_changes_only_the_image_when_on():
    assert AugmentConfig().texture_probability == 0.0
    for a, b in plain_and_changed(AugmentConfig(texture_probability=1.0)):
        assert not torch.equal(a[0], b[0])


def test_surface_texture_settings_out_of_range_are_refused():
    with pytest.raises(ValueError, match="texture_probability"):
        AugmentConfig(texture_probability=2.0)
    with pytest.raises(ValueError, match="texture_contrast"):
        AugmentConfig(texture_contrast=(0.3, 0.1))
    with pytest.raises(ValueError, match="texture_feature_m"):
        AugmentConfig(texture_feature_m=(0.0, 0.01))
