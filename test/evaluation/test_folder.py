from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from sharp_depth_ros.evaluation.folder import list_samples, load_sample


def test_list_samples_returns_sorted_image_stems(dataset_dir):
    assert list_samples(dataset_dir) == ["a", "b"]


def test_png_depth_is_millimetres_with_zero_invalid(dataset_dir, step_depth):
    sample = load_sample(dataset_dir, "a")
    assert sample.rgb.dtype == np.uint8 and sample.rgb.shape == (24, 32, 3)
    np.testing.assert_allclose(sample.depth_m, step_depth())
    assert sample.valid.all()
    assert sample.intrinsics is not None and sample.intrinsics.fx_px == 30.0
    assert sample.mask is not None
    assert sample.mask[:, :16].min() == 1.0 and sample.mask[:, 16:].max() == 0.0


def test_rgb_is_read_in_rgb_order(dataset_dir):
    bgr = cv2.imread(str(dataset_dir / "rgb" / "a.png"))
    np.testing.assert_array_equal(load_sample(dataset_dir, "a").rgb, bgr[..., ::-1])


def test_npy_depth_marks_nan_and_zero_invalid_and_extras_are_optional(dataset_dir):
    sample = load_sample(dataset_dir, "b")
    assert not sample.valid[:3, :5].any() and not sample.valid[5, 7]
    assert sample.valid.sum() == sample.valid.size - 16
    assert np.all(sample.depth_m[~sample.valid] == 0)
    assert sample.intrinsics is None and sample.mask is None


def test_exr_depth_is_read_in_metres(dataset_dir, step_depth):
    openexr = pytest.importorskip("OpenEXR")
    depth = step_depth(1.25, 7.5)
    (dataset_dir / "depth" / "b.npy").unlink()
    header = {"compression": openexr.ZIP_COMPRESSION, "type": openexr.scanlineimage}
    openexr.File(header, {"Z": depth}).write(str(dataset_dir / "depth" / "b.exr"))
    np.testing.assert_array_equal(load_sample(dataset_dir, "b").depth_m, depth)


def test_image_without_depth_is_reported(dataset_dir):
    (dataset_dir / "depth" / "b.npy").unlink()
    with pytest.raises(ValueError, match="no depth file"):
        list_samples(dataset_dir)


def test_missing_rgb_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="rgb"):
        list_samples(tmp_path)


def test_bad_intrinsics_are_reported(dataset_dir):
    (dataset_dir / "intrinsics" / "a.json").write_text(json.dumps({"fx": 10.0}))
    with pytest.raises(ValueError, match="fx, fy, cx, cy"):
        load_sample(dataset_dir, "a")
    (dataset_dir / "intrinsics" / "a.json").write_text(
        json.dumps({"fx": -1.0, "fy": 1.0, "cx": 0, "cy": 0})
    )
    with pytest.raises(ValueError, match="fx"):
        load_sample(dataset_dir, "a")
