"""A straight 3D edge seen through a distorted lens comes out straight in the node's cloud.

The node runs in this process with a stand-in predictor that is a perfect model of the scene: a
bright plane 2 m away in front of a dark background 3 m away, so the depth it returns follows the
image the node gives it. The image is rendered through the issue's plumb_bob lens (the distortion
formula inverted here by fixed-point iteration); rclpy, DDS, rectification, CameraInfo and cloud
are the node's own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo

from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.node import DepthNode
from sharp_depth_ros.ros.player import StreamClient

pytestmark = pytest.mark.ros

WIDTH, HEIGHT = 640, 480
FX = FY = 400.0
CX, CY = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
D = (-0.28, 0.07, 5e-4, -2e-4, 0.0)  # the wide-angle camera (plumb_bob)
NEAR_M, FAR_M = 2.0, 3.0
# The plane's edge: a x + b y + c = 0 in normalised coordinates (x = X / Z, y = Y / Z), through
# (0.55, -0.6) and (0.7, 0.6), near the right border where the lens bends it most.
EDGE = (1.2, -0.15, -(1.2 * 0.55 + 0.15 * 0.6))


def distort(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """plumb_bob (Brown-Conrady): normalised pinhole coordinates -> distorted ones."""
    k1, k2, p1, p2, k3 = D
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    return (
        x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
        y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y,
    )


def undistort(x_d: np.ndarray, y_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert `distort` by fixed-point iteration (checked by distorting back)."""
    x, y = x_d.copy(), y_d.copy()
    for _ in range(80):
        fx, fy = distort(x, y)
        x, y = x + (x_d - fx), y + (y_d - fy)
    fx, fy = distort(x, y)
    assert max(np.abs(fx - x_d).max(), np.abs(fy - y_d).max()) < 1e-8
    return x, y


def render_distorted() -> np.ndarray:
    """(H, W, 3) uint8 as the distorted camera sees it: white where the near plane is.

    Pixels within 3 px of the edge get their grey level from 8 x 8 samples (anti-aliased), so
    the edge is known to a small fraction of a pixel before the node resamples the image.
    """
    a, b, c = EDGE
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    x, y = undistort((u - CX) / FX, (v - CY) / FY)
    side = a * x + b * y + c
    coverage = (side > 0).astype(np.float64)
    band = np.abs(side) / math.hypot(a, b) < 3.0 / FX
    offsets = (np.arange(8) + 0.5) / 8 - 0.5
    du, dv = (g.ravel() for g in np.meshgrid(offsets, offsets))
    x, y = undistort((u[band][:, None] + du - CX) / FX, (v[band][:, None] + dv - CY) / FY)
    coverage[band] = (a * x + b * y + c > 0).mean(axis=1)
    grey = np.round(255 * coverage).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


class SceneModel:
    """A perfect depth model of this scene: NEAR_M where the image is bright, else FAR_M."""

    device = "cpu"

    def predict(self, rgb: np.ndarray, focal_px: float | None) -> DepthPrediction:
        assert focal_px is not None  # the test camera's CameraInfo gives it
        depth_m = np.where(rgb.mean(axis=2) > 127.5, NEAR_M, FAR_M).astype(np.float32)
        width = rgb.shape[1]
        return DepthPrediction(
            depth_m=depth_m,
            focal_px=float(focal_px),
            focal_source=FocalSource.GIVEN,
            fov_deg=math.degrees(2 * math.atan(width / (2 * focal_px))),
            canonical_inverse_depth=np.zeros((8, 8), np.float32),
        )


def distorted_camera_info(header: Any) -> CameraInfo:
    info = CameraInfo(header=header, width=WIDTH, height=HEIGHT, distortion_model="plumb_bob")
    info.k = [FX, 0.0, CX, 0.0, FY, CY, 0.0, 0.0, 1.0]
    info.d = list(D)
    info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    info.p = [FX, 0.0, CX, 0.0, 0.0, FY, CY, 0.0, 0.0, 0.0, 1.0, 0.0]
    return info


def edge_points(points: dict[str, np.ndarray]) -> np.ndarray:
    """Per row of an organised cloud, the leftmost point on the near plane: (N, 3) metres."""
    z = points["z"]
    found = []
    for v in range(z.shape[0]):
        near = np.nonzero(z[v] == NEAR_M)[0]
        if len(near) and near[0] > 0 and z[v, near[0] - 1] == FAR_M:  # a real edge, not a border
            u = near[0]
            found.append((points["x"][v, u], points["y"][v, u], points["z"][v, u]))
    return np.array(found, dtype=np.float64)


def line_residual_px(xy_m: np.ndarray) -> float:
    """Largest distance of points on the near plane from their fitted 3D line, in pixels there."""
    centred = xy_m - xy_m.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    off_line = centred - np.outer(centred @ direction, direction)
    return float(np.linalg.norm(off_line, axis=1).max() / (NEAR_M / FX))


@pytest.mark.parametrize("rectify", [True, False])
def test_a_straight_edge_through_a_distorted_lens_is_straight_in_the_cloud(
    spun: Any, rectify: bool, read_cloud
) -> None:
    namespace = f"/rectify_{str(rectify).lower()}"
    parameters = [
        Parameter("rectify", value=rectify),
        Parameter("focal_source", value="camera_info"),
        Parameter("input_reliability", value="reliable"),
        Parameter("points_colour", value=False),
    ]
    spun(DepthNode(SceneModel(), namespace=namespace, parameter_overrides=parameters))
    client = StreamClient(namespace=namespace)
    try:
        assert client.wait_for_node(20)
        assert client.spin_until(lambda: client.count_subscribers("depth") > 0, 5)
        image = conversions.array_to_image(render_distorted(), "rgb8")
        # Repeat until a frame came after its CameraInfo (both best effort in arrival order).
        for _ in range(50):
            header = client.header()
            client.info_pub.publish(distorted_camera_info(header))
            image.header = header
            client.image_pub.publish(image)
            if client.spin_until(lambda h=header: _has_all(client, h), 1.0):
                break
        depth = next(m for m in client.depth.messages if m.header.stamp == header.stamp)
        info = next(m for m in client.depth_info.messages if m.header.stamp == header.stamp)
        cloud = next(m for m in client.points.messages if m.header.stamp == header.stamp)
    finally:
        client.destroy_node()

    points = read_cloud(cloud)
    depth_m = conversions.image_to_array(depth)
    # Depth and cloud agree pixel for pixel (NaN where the rectified image saw nothing).
    np.testing.assert_array_equal(np.isnan(depth_m), np.isnan(points["z"]))
    np.testing.assert_array_equal(depth_m[~np.isnan(depth_m)], points["z"][~np.isnan(points["z"])])
    edge = edge_points(points)
    assert len(edge) > 0.9 * HEIGHT
    residual_px = line_residual_px(edge[:, :2])
    if not rectify:  # the lens bends the edge: what the test would see without rectification
        assert list(info.d) == list(D) and residual_px > 5.0, residual_px
        return
    # depth/camera_info describes the rectified pinhole camera: D all zero, K = P[:3, :3].
    assert info.distortion_model == "plumb_bob" and list(info.d) == [0.0] * 5
    assert list(info.k) == [FX, 0.0, CX, 0.0, FY, CY, 0.0, 0.0, 1.0]
    assert list(info.p) == [FX, 0.0, CX, 0.0, 0.0, FY, CY, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    # Straight (measured 0.60 px: the edge is found at whole pixels), and where it is in 3D: the
    # first near pixel lies 0 to 1 px right of the true edge a x + b y + c = 0 (measured -0.06
    # to 1.05: resampling the anti-aliased edge adds a few hundredths).
    assert residual_px < 0.75, residual_px
    a, b, c = EDGE
    x, y = edge[:, 0] / NEAR_M, edge[:, 1] / NEAR_M
    offset_px = (a * x + b * y + c) / math.hypot(a, b) * FX
    assert offset_px.min() > -0.25 and offset_px.max() < 1.25, (offset_px.min(), offset_px.max())


def _has_all(client: StreamClient, header: Any) -> bool:
    return all(
        any(m.header.stamp == header.stamp for m in received.messages)
        for received in (client.depth, client.depth_info, client.points)
    )
