"""Rectification: a straight edge seen through a distorted lens is straight, and where it belongs.

The distorted images are rendered here from the distortion formulas (ROS/OpenCV conventions)
inverted by fixed-point iteration, independently of the OpenCV maps under test.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from sharp_depth_ros.inference.rectification import (
    CameraModel,
    Rectifier,
    rectifier_for,
)
from sharp_depth_ros.pinhole import scale_camera_matrix

WIDTH, HEIGHT = 320, 240
FX = FY = 200.0
CX, CY = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
K = (FX, 0.0, CX, 0.0, FY, CY, 0.0, 0.0, 1.0)
PLUMB_BOB_D = (-0.28, 0.07, 5e-4, -2e-4, 0.0)  # the wide-angle camera
DISTORTIONS = {
    "plumb_bob": PLUMB_BOB_D,
    "rational_polynomial": (0.1, 0.01, 5e-4, -2e-4, 0.0, 0.4, 0.02, 0.0),
    "equidistant": (-0.02, 0.005, 0.0, 0.0),
}
# A straight edge a x + b y + c = 0 in normalised (pinhole) coordinates, near the right border
# where the distortion bends it most: through (0.55, -0.6) and (0.7, 0.6).
EDGE = (1.2, -0.15, -(1.2 * 0.55 + 0.15 * 0.6))
SUPERSAMPLING = 8  # per axis: grey levels give the edge to a fraction of a pixel


def distort(x: np.ndarray, y: np.ndarray, model: str, d: tuple[float, ...]) -> tuple:
    """Normalised pinhole coordinates -> normalised distorted ones (the models' definitions)."""
    r2 = x * x + y * y
    if model == "equidistant":
        r = np.sqrt(r2)
        theta = np.arctan(r)
        theta_d = theta * (1 + sum(k * theta ** (2 * i + 2) for i, k in enumerate(d)))
        scale = np.where(r > 0, theta_d / np.maximum(r, 1e-12), 1.0)
        return x * scale, y * scale
    k1, k2, p1, p2, k3, *rest = (*d, 0.0, 0.0, 0.0)[:8]
    k4, k5, k6 = rest[:3]
    radial = (1 + k1 * r2 + k2 * r2**2 + k3 * r2**3) / (1 + k4 * r2 + k5 * r2**2 + k6 * r2**3)
    x_d = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    y_d = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    return x_d, y_d


def undistort(
    x_d: np.ndarray, y_d: np.ndarray, model: str, d: tuple[float, ...], tolerance: float = 1e-9
) -> tuple:
    """Invert `distort` by fixed-point iteration; checked by distorting back."""
    x, y = x_d.copy(), y_d.copy()
    for _ in range(int(10 * -math.log10(tolerance))):
        fx, fy = distort(x, y, model, d)
        x, y = x + (x_d - fx), y + (y_d - fy)
    fx, fy = distort(x, y, model, d)
    assert max(np.abs(fx - x_d).max(), np.abs(fy - y_d).max()) < tolerance
    return x, y


def render_edge(model: str, d: tuple[float, ...]) -> np.ndarray:
    """(H, W) uint8: 255 where a x + b y + c > 0 as seen through the distorted camera.

    Pixels within 3 px of the edge get their coverage from SUPERSAMPLING^2 samples.
    """
    a, b, c = EDGE
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    x, y = undistort((u - CX) / FX, (v - CY) / FY, model, d, tolerance=1e-5)
    side = a * x + b * y + c
    coverage = (side > 0).astype(np.float64)
    band = np.abs(side) / math.hypot(a, b) < 3.0 / FX
    offsets = (np.arange(SUPERSAMPLING) + 0.5) / SUPERSAMPLING - 0.5
    du, dv = (g.ravel() for g in np.meshgrid(offsets, offsets))
    x, y = undistort((u[band][:, None] + du - CX) / FX, (v[band][:, None] + dv - CY) / FY, model, d)
    coverage[band] = (a * x + b * y + c > 0).mean(axis=1)
    return np.round(255 * coverage).astype(np.uint8)


def edge_columns(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the sub-pixel column where the grey level first crosses 127.5 (rows with one)."""
    rows, columns = [], []
    grey = image.astype(np.float64)
    for v in range(image.shape[0]):
        above = np.nonzero((grey[v, :-1] < 127.5) & (grey[v, 1:] >= 127.5))[0]
        if len(above) == 1:
            u = above[0]
            left, right = grey[v, u], grey[v, u + 1]
            rows.append(v)
            columns.append(u + (127.5 - left) / (right - left))
    return np.array(rows), np.array(columns)


def expected_columns(rows: np.ndarray, camera_matrix: np.ndarray) -> np.ndarray:
    """Where the edge lies in a pinhole image with `camera_matrix`."""
    (fx, _, cx), (_, fy, cy) = camera_matrix[0], camera_matrix[1]
    a, b, c = EDGE
    y = (rows - cy) / fy
    return fx * (-(b * y + c) / a) + cx


def line_residual_px(rows: np.ndarray, columns: np.ndarray) -> float:
    """Largest distance (px) of (column, row) points from their least-squares line."""
    slope, offset = np.polyfit(rows, columns, 1)
    return float(np.abs(columns - (slope * rows + offset)).max() / math.hypot(1, slope))


@pytest.mark.parametrize("model", list(DISTORTIONS))
def test_a_straight_edge_comes_out_straight_and_at_its_pinhole_position(model: str) -> None:
    d = DISTORTIONS[model]
    distorted = render_edge(model, d)
    rows, columns = edge_columns(distorted)
    assert len(rows) > 0.9 * HEIGHT
    # The lens bends the edge: the test can see a wrong (or missing) rectification.
    assert line_residual_px(rows, columns) > 5.0

    rectifier = Rectifier(CameraModel(k=K, d=d, distortion_model=model, width=WIDTH, height=HEIGHT))
    rectified = rectifier.rectify(distorted)
    assert rectified.shape == distorted.shape and rectified.dtype == np.uint8
    np.testing.assert_array_equal(rectifier.camera_matrix, np.reshape(K, (3, 3)))
    rows, columns = edge_columns(rectified)
    valid = rectifier.valid_mask[rows, np.round(columns).astype(int)]
    rows, columns = rows[valid], columns[valid]
    assert len(rows) > 0.8 * HEIGHT
    assert line_residual_px(rows, columns) < 0.3
    assert np.abs(columns - expected_columns(rows, rectifier.camera_matrix)).max() < 0.3


def test_the_projection_matrix_sets_the_rectified_camera() -> None:
    target = (0.8 * FX, 0.0, CX + 3.0, 0.0, 0.8 * FY, CY - 2.0, 0.0, 0.0, 1.0)
    p = (*target[0:3], 0.0, *target[3:6], 0.0, *target[6:9], 0.0)
    rectifier = Rectifier(
        CameraModel(
            k=K, d=PLUMB_BOB_D, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT, p=p
        )
    )
    np.testing.assert_allclose(rectifier.camera_matrix, np.reshape(target, (3, 3)))
    rows, columns = edge_columns(rectifier.rectify(render_edge("plumb_bob", PLUMB_BOB_D)))
    assert np.abs(columns - expected_columns(rows, rectifier.camera_matrix)).max() < 0.3


def test_zero_distortion_passes_images_through_with_k() -> None:
    camera = CameraModel(
        k=K, d=(0.0,) * 5, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT
    )
    rectifier = Rectifier(camera)
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    assert rectifier.is_identity and rectifier.rectify(image) is image
    assert rectifier.valid_mask.all()
    np.testing.assert_array_equal(rectifier.camera_matrix, np.reshape(K, (3, 3)))
    # Any model name is accepted when there is nothing to undo (D all zero, or no D at all).
    assert Rectifier(
        CameraModel(k=K, d=(), distortion_model="", width=WIDTH, height=HEIGHT)
    ).is_identity


def test_pixels_with_no_source_are_marked_invalid_and_black() -> None:
    # Pincushion (k1 > 0): the rectified corners look beyond the distorted image.
    camera = CameraModel(
        k=K, d=(0.3, 0.0, 0.0, 0.0, 0.0), distortion_model="plumb_bob", width=WIDTH, height=HEIGHT
    )
    rectifier = Rectifier(camera)
    x_d, _ = distort(np.array([(0 - CX) / FX]), np.array([(0 - CY) / FY]), "plumb_bob", camera.d)
    assert x_d[0] * FX + CX < -0.5  # the analytic source of the corner pixel is outside
    assert not rectifier.valid_mask[0, 0] and rectifier.valid_mask[HEIGHT // 2, WIDTH // 2]
    rectified = rectifier.rectify(np.full((HEIGHT, WIDTH), 200, np.uint8))
    assert rectified[0, 0] == 0 and rectified[HEIGHT // 2, WIDTH // 2] == 200
    assert (rectified[rectifier.valid_mask] > 0).all()


def test_a_resized_stream_uses_the_scaled_calibration() -> None:
    camera = CameraModel(
        k=K, d=PLUMB_BOB_D, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT
    )
    half = camera.scaled_to(WIDTH // 2, HEIGHT // 2)
    # A pixel centre u maps to (u + 0.5) / 2 - 0.5 at half size.
    assert half.k[0] == FX / 2 and half.k[2] == (CX + 0.5) / 2 - 0.5
    assert half.d == camera.d and half.p == camera.p
    full_points = np.array([[[10.0, 20.0]], [[300.0, 200.0]]])
    half_points = (full_points + 0.5) / 2 - 0.5
    ideal_full = cv2.undistortPoints(full_points, np.reshape(K, (3, 3)), np.array(PLUMB_BOB_D))
    ideal_half = cv2.undistortPoints(half_points, np.reshape(half.k, (3, 3)), np.array(half.d))
    np.testing.assert_allclose(ideal_full, ideal_half, atol=1e-9)
    p = scale_camera_matrix((*K[0:3], -20.0, *K[3:6], 0.0, *K[6:9], 0.0), (320, 240), (640, 480))
    assert p[3] == -40.0 and p[0] == 2 * FX  # Tx = -fx B scales with fx
    with pytest.raises(ValueError, match="is not a resize of the image size 320x320"):
        camera.scaled_to(320, 320)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(distortion_model="kannala", d=(0.1, 0, 0, 0)), "cannot rectify distortion model"),
        (dict(d=(0.1, 0.0, 0.0)), "plumb_bob needs 4 or 5 coefficients in D, received 3"),
        (dict(d=(math.nan,) * 5), "D holds non-finite values"),
        (dict(k=(0.0,) * 9), "K has no valid focal length"),
        (dict(width=0), "image size must be positive"),
    ],
)
def test_bad_calibrations_are_refused_with_the_reason(fields: dict, message: str) -> None:
    values = dict(k=K, d=PLUMB_BOB_D, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT)
    with pytest.raises(ValueError, match=message):
        CameraModel(**(values | fields))


def test_an_image_of_another_size_is_refused_and_rectifiers_are_cached() -> None:
    camera = CameraModel(
        k=K, d=PLUMB_BOB_D, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT
    )
    with pytest.raises(ValueError, match="image size 100x50 does not match the rectifier's"):
        Rectifier(camera).rectify(np.zeros((50, 100), np.uint8))
    same = CameraModel(k=K, d=PLUMB_BOB_D, distortion_model="plumb_bob", width=WIDTH, height=HEIGHT)
    assert rectifier_for(camera) is rectifier_for(same)
