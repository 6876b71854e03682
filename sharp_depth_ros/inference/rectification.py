"""Lens-distortion removal with cached OpenCV maps: a distorted camera image in, a pinhole one out.

Free of ROS so the node and offline tools share it. The camera is described as in
sensor_msgs/CameraInfo (K, D, distortion model, R, P); the rectified image is that of the pinhole
camera P[:3, :3] (K when P is unset), rotated by R, as image_proc's rectify does. Rectified
pixels whose source falls outside the distorted image are reported in `valid_mask`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from sharp_depth_ros.pinhole import scale_camera_matrix

# Distortion models named in sensor_msgs/distortion_models.hpp, with the coefficient counts
# OpenCV accepts for each (ROS: plumb_bob 5, rational_polynomial 8, equidistant 4).
PLUMB_BOB = "plumb_bob"
RATIONAL_POLYNOMIAL = "rational_polynomial"
EQUIDISTANT = "equidistant"
COEFFICIENT_COUNTS: dict[str, tuple[int, ...]] = {
    PLUMB_BOB: (4, 5),
    RATIONAL_POLYNOMIAL: (4, 5, 8),
    EQUIDISTANT: (4,),
}
_IDENTITY_9 = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class CameraModel:
    """A calibrated camera as sensor_msgs/CameraInfo describes it (hashable: tuples only).

    Attributes:
        k: intrinsic matrix, 9 row-major values.
        d: distortion coefficients of `distortion_model`.
        distortion_model: plumb_bob, rational_polynomial or equidistant (others only with D zero).
        width, height: the image size the calibration belongs to.
        r: rectification rotation, 9 row-major values (identity for a monocular camera).
        p: projection matrix, 12 row-major values; all zero when unset (then K is the target).
    """

    k: tuple[float, ...]
    d: tuple[float, ...]
    distortion_model: str
    width: int
    height: int
    r: tuple[float, ...] = _IDENTITY_9
    p: tuple[float, ...] = (0.0,) * 12

    def __post_init__(self) -> None:
        for name, count in (("k", 9), ("r", 9), ("p", 12)):
            values = getattr(self, name)
            if len(values) != count or not all(math.isfinite(v) for v in values):
                raise ValueError(f"{name} must hold {count} finite values, received {values}")
        if not all(math.isfinite(v) for v in self.d):
            raise ValueError(f"D holds non-finite values: {self.d}")
        if self.k[0] <= 0 or self.k[4] <= 0:
            raise ValueError(f"K has no valid focal length (fx={self.k[0]}, fy={self.k[4]})")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, received {self.width}x{self.height}")
        if self.is_distorted:
            counts = COEFFICIENT_COUNTS.get(self.distortion_model)
            if counts is None:
                raise ValueError(
                    f"cannot rectify distortion model {self.distortion_model!r}: expected one of "
                    f"{', '.join(COEFFICIENT_COUNTS)} (or D all zero)"
                )
            if len(self.d) not in counts:
                raise ValueError(
                    f"{self.distortion_model} needs {' or '.join(map(str, counts))} "
                    f"coefficients in D, received {len(self.d)}"
                )

    @property
    def is_distorted(self) -> bool:
        """Whether the image is not pinhole yet: D non-zero, or the model is equidistant.

        A fisheye maps the angle, not its tangent, so an equidistant camera with D all zero is
        still distorted.
        """
        return self.distortion_model == EQUIDISTANT or any(v != 0.0 for v in self.d)

    @property
    def target_matrix(self) -> tuple[float, ...]:
        """Row-major 3x3 intrinsics of the rectified image: P[:3, :3], or K when P is unset."""
        if self.p[0] > 0 and self.p[5] > 0:
            return (*self.p[0:3], *self.p[4:7], *self.p[8:11])
        return self.k

    def scaled_to(self, width: int, height: int) -> CameraModel:
        """The same camera at another resolution (D and R do not depend on the pixel size).

        Raises:
            ValueError: the aspect ratios differ (see `scale_camera_matrix`).
        """
        if (width, height) == (self.width, self.height):
            return self
        sizes = ((self.width, self.height), (width, height))
        return CameraModel(
            k=scale_camera_matrix(self.k, *sizes),
            d=self.d,
            distortion_model=self.distortion_model,
            width=width,
            height=height,
            r=self.r,
            p=scale_camera_matrix(self.p, *sizes) if any(self.p) else self.p,
        )


class Rectifier:
    """Remaps images of one distorted camera to its pinhole (rectified) camera.

    The maps are computed once here; build through `rectifier_for` to share them between frames.
    With D all zero the rectifier is the identity: images pass through and `camera_matrix` is K.

    Args:
        camera: the calibration, at the size of the images to rectify (see `CameraModel.scaled_to`).
    """

    def __init__(self, camera: CameraModel) -> None:
        self.camera = camera
        self.size = (camera.width, camera.height)
        self.is_identity = not camera.is_distorted
        target = camera.k if self.is_identity else camera.target_matrix
        self.camera_matrix: np.ndarray = np.asarray(target, dtype=np.float64).reshape(3, 3)
        self.valid_mask: np.ndarray = np.ones((camera.height, camera.width), dtype=bool)
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        if self.is_identity:
            return
        k = np.asarray(camera.k, dtype=np.float64).reshape(3, 3)
        d = np.asarray(camera.d, dtype=np.float64)
        r = np.asarray(camera.r, dtype=np.float64).reshape(3, 3)
        if camera.distortion_model == EQUIDISTANT:
            map_x, map_y = cv2.fisheye.initUndistortRectifyMap(
                k, d, r, self.camera_matrix, self.size, cv2.CV_32FC1
            )
        else:
            map_x, map_y = cv2.initUndistortRectifyMap(
                k, d, r, self.camera_matrix, self.size, cv2.CV_32FC1
            )
        width, height = self.size
        # Sources beyond the outermost pixel centres by more than half a pixel are outside the
        # image (NaN, from points behind a fisheye, compares False and is invalid too).
        self.valid_mask = (
            (map_x >= -0.5) & (map_x <= width - 0.5) & (map_y >= -0.5) & (map_y <= height - 0.5)
        )
        # Fixed-point maps make cv2.remap about twice as fast as float ones.
        self._maps = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)

    def rectify(self, image: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
        """The rectified image: same size and dtype; pixels with no source are 0.

        Args:
            image: (H, W) or (H, W, C) at the size the rectifier was built for.
            interpolation: an OpenCV flag; INTER_NEAREST for label or depth images.

        Raises:
            ValueError: the image size differs from the calibration's.
        """
        height, width = image.shape[:2]
        if (width, height) != self.size:
            raise ValueError(
                f"image size {width}x{height} does not match the rectifier's "
                f"{self.size[0]}x{self.size[1]}"
            )
        if self._maps is None:
            return image
        return cv2.remap(
            image, *self._maps, interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )


@functools.lru_cache(maxsize=8)
def rectifier_for(camera: CameraModel) -> Rectifier:
    """The rectifier of `camera`, built once per distinct calibration and size (LRU of 8)."""
    return Rectifier(camera)
