"""Image loading: bit depth, channels, EXIF orientation and 35 mm focal length."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from sharp_depth_ros.inference.image_io import list_images, load_image
from sharp_depth_ros.pinhole import f35mm_to_focal_px


def _jpeg_with_exif(path, pixels, orientation=1, focal_35mm=None):
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    if focal_35mm is not None:
        exif.get_ifd(0x8769)[0xA405] = focal_35mm
    image.save(path, exif=exif, quality=100)
    return path


def test_exif_35mm_focal_is_converted_along_the_diagonal(tmp_path):
    path = _jpeg_with_exif(tmp_path / "a.jpg", np.zeros((48, 64, 3), np.uint8), focal_35mm=26)
    loaded = load_image(path)
    assert loaded.focal_px == pytest.approx(f35mm_to_focal_px(26, 64, 48))


def test_orientation_6_rotates_clockwise_before_the_focal_conversion(tmp_path):
    pixels = np.zeros((40, 80, 3), np.uint8)
    pixels[:, :40] = 255  # left half white
    loaded = load_image(_jpeg_with_exif(tmp_path / "r.jpg", pixels, orientation=6, focal_35mm=50))
    assert loaded.rgb.shape == (80, 40, 3)
    assert loaded.rgb[:40].mean() > 200 and loaded.rgb[40:].mean() < 50  # left -> top
    assert loaded.focal_px == pytest.approx(f35mm_to_focal_px(50, 40, 80))


def test_no_exif_means_no_focal(tmp_path):
    path = tmp_path / "plain.png"
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))
    assert load_image(path).focal_px is None


def test_16_bit_grey_and_alpha_images_become_rgb(tmp_path):
    grey16 = np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000
    cv2.imwrite(str(tmp_path / "g.png"), grey16)
    loaded = load_image(tmp_path / "g.png")
    assert loaded.rgb.dtype == np.uint16 and loaded.rgb.shape == (8, 8, 3)
    np.testing.assert_array_equal(loaded.rgb[..., 1], grey16)
    bgra = np.zeros((4, 4, 4), np.uint8)
    bgra[..., 2] = 200  # red in OpenCV's BGRA order
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    rgb = load_image(tmp_path / "a.png").rgb
    assert rgb.shape == (4, 4, 3) and (rgb[..., 0] == 200).all() and (rgb[..., 2] == 0).all()


def test_unreadable_files_raise(tmp_path):
    (tmp_path / "x.png").write_text("nope")
    with pytest.raises(ValueError, match="cannot decode"):
        load_image(tmp_path / "x.png")
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "missing.png")


def test_folders_are_expanded_recursively(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.png", "sub/a.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_images([tmp_path])] == ["b.png", "a.jpg"]


def test_evaluation_reads_the_same_pixels_as_predict_but_never_rotates(tmp_path):
    from sharp_depth_ros.evaluation.folder import read_rgb

    pixels = np.zeros((40, 80, 3), np.uint8)
    pixels[:, :40] = 255
    rotated = _jpeg_with_exif(tmp_path / "r.jpg", pixels, orientation=6)
    assert load_image(rotated).rgb.shape == (80, 40, 3)
    assert np.array_equal(read_rgb(rotated), load_image(rotated, apply_orientation=False).rgb)
    assert read_rgb(rotated).shape == (40, 80, 3)  # aligned with a depth map of the stored pixels
    deep = np.arange(24 * 32 * 3, dtype=np.uint16).reshape(24, 32, 3) * 20
    cv2.imwrite(str(tmp_path / "deep.png"), deep[:, :, ::-1])
    assert read_rgb(tmp_path / "deep.png").dtype == np.uint16  # the 16-bit rule: all bits kept
    assert np.array_equal(read_rgb(tmp_path / "deep.png"), load_image(tmp_path / "deep.png").rgb)
    assert np.array_equal(read_rgb(tmp_path / "deep.png"), deep)


def test_an_empty_input_path_is_refused_not_read_as_the_current_folder(tmp_path):
    with pytest.raises(ValueError, match="empty input path"):
        list_images([tmp_path, ""])
