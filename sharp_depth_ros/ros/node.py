"""The `sharp_depth` node: camera image in, metric depth, its CameraInfo and a point cloud out.

Topics (relative, so namespaces and remaps work): subscribes `image` (or `image/compressed`) and
`camera_info`; publishes `depth` (32FC1 metres, REP 118), `depth/camera_info`, `points` (optical
frame, REP 103) and `/diagnostics`. Inference runs in a worker thread on the newest frame only, and
only while something subscribes to an output.

A lifecycle (managed) node: `configure` loads the model, `activate` subscribes and publishes,
`deactivate` stops both, `cleanup` frees the model. With `autostart` (default) it configures and
activates itself at start-up. With `rectify` (default) a distorted camera (CameraInfo D) is
rectified before inference, and every output describes the rectified pinhole camera.

Runs on rclpy from Humble (Python 3.10) to Kilted: where their APIs differ the code says so.
"""

from __future__ import annotations

import math
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np
import rclpy
import rclpy.logging
from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.executors import ExternalShutdownException
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2

from sharp_depth_ros.inference.devices import free_accelerator_memory
from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.camera_info import (
    Intrinsics,
    intrinsics_from_camera_info,
    make_camera_info,
)
from sharp_depth_ros.ros.diagnostics import (
    IDLE_MESSAGE,
    LatencyStats,
    RateMeter,
    build_diagnostics,
)
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.frame_depth import SkippedFrame, frame_rectifier, predict_frame_depth
from sharp_depth_ros.ros.ground_policy import ground_policy_for
from sharp_depth_ros.ros.model_loading import MODEL_ERRORS, load_predictor
from sharp_depth_ros.ros.parameters import (
    PARAM_SPECS,
    SPECS_BY_NAME,
    NodeParams,
    coerce,
    descriptor,
)
from sharp_depth_ros.ros.point_cloud import depth_to_cloud
from sharp_depth_ros.ros.worker import LatestFrameWorker

GROUND_PARAMETERS = frozenset(
    {"camera_height_m", "camera_pitch_deg", "camera_roll_deg", "ground_smoothing"}
)
LOG_THROTTLE_S = 5.0  # one line per problem kind per 5 s: a bad stream must not flood the log
# rclpy.lifecycle exists with this API (LifecycleNode, LifecycleState, TransitionCallbackReturn,
# create_lifecycle_publisher, trigger_*) from Humble (rclpy 3.3) through Kilted (rclpy 9).
SUCCESS, FAILURE = TransitionCallbackReturn.SUCCESS, TransitionCallbackReturn.FAILURE


class StartupError(RuntimeError):
    """`autostart` could not configure or activate the node; the message is the one-line reason."""


@dataclass(frozen=True)
class _Frame:
    msg: Image | CompressedImage
    received_s: float  # time.monotonic() at arrival


class DepthNode(LifecycleNode):
    """ROS 2 wrapper around `DepthPredictor`; never repeats the predictor's logic.

    Args:
        predictor: anything with `predict(rgb, focal_px) -> DepthPrediction` and `device`, used
            at every `configure`; when None the model is loaded from the model parameters at
            `configure` (see `model_loading`) and freed at `cleanup`.
        node_name: the node name.
        **node_options: passed to `rclpy.node.Node` (`namespace`, `parameter_overrides`, ...).

    Raises:
        ValueError: a parameter value is invalid (e.g. min_depth >= max_depth).
        StartupError: `autostart` is true and configure or activate failed.
    """

    def __init__(
        self,
        predictor: object | None = None,
        node_name: str = "sharp_depth",
        **node_options: Any,
    ) -> None:
        super().__init__(node_name, **node_options)
        for spec in PARAM_SPECS:
            self.declare_parameter(spec.name, spec.default, descriptor(spec))
        # Raises ValueError (e.g. min_depth >= max_depth) before anything is started.
        self.params = NodeParams(
            **{s.name: coerce(s, self.get_parameter(s.name).value) for s in PARAM_SPECS}
        )
        self._given_predictor = predictor
        self.predictor: object | None = None  # loaded by configure, freed by cleanup
        self.focal_policy = FocalPolicy(
            self.params.focal_source, self.params.fixed_focal_px, self.params.focal_smoothing
        )
        self.ground_policy = ground_policy_for(self.params)
        self._ground_scale: float | None = None
        self.floor_frames = 0  # frames whose own depth showed a floor (camera_height_m > 0)
        self._camera_info: CameraInfo | None = None
        self._camera: Intrinsics | None = None
        self._source_in_use: FocalSourceInUse | None = None
        self._last_focal_px = math.nan
        self._last_log_s: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_depth_s = 0.0
        self._next_points_s = 0.0
        self.input_rate, self.depth_rate, self.points_rate = RateMeter(), RateMeter(), RateMeter()
        self.inference_s, self.latency_s, self.overhead_s = (LatencyStats() for _ in range(3))
        self.skipped_bad = 0
        self.skipped_idle = 0  # frames not processed because nothing subscribes to an output
        self._idle: bool | None = None  # None until the first frame
        self.failed_frames = 0
        self._failing = False  # the latest processed frame raised
        self._last_error = ""
        self._traced_errors: set[tuple[str, str, int]] = set()
        self._active = False  # between activate and deactivate: frames are processed
        self._configured = False  # between a successful configure and cleanup
        self.worker: LatestFrameWorker[_Frame] | None = None
        self._publishers: list = []
        self._subscriptions_in_use: list = []
        self._diagnostics_timer = None
        self.transition_error = ""  # one-line reason of the latest failed transition
        # rclpy Iron, Jazzy and Kilted run post-set callbacks once the new values are stored;
        # Humble has only on-set callbacks, so there the validating callback also applies them
        # (it is this node's only one, so its verdict is final).
        if callable(getattr(self, "add_post_set_parameters_callback", None)):
            self.add_on_set_parameters_callback(self._validate_parameters)
            self.add_post_set_parameters_callback(self._apply_parameters)
        else:
            self.add_on_set_parameters_callback(self._validate_and_apply_parameters)
        if self.params.autostart:
            try:
                self._autostart()
            except StartupError:
                self.destroy_node()
                raise
        else:
            self.get_logger().info("unconfigured: waiting for the configure transition")

    def _autostart(self) -> None:
        """Configure and activate now, as `ros2 lifecycle set` would.

        Raises:
            StartupError: with the transition's one-line reason.
        """
        triggers = (("configure", self.trigger_configure), ("activate", self.trigger_activate))
        for name, trigger in triggers:
            if trigger() != SUCCESS:
                raise StartupError(self.transition_error or f"{name} failed")

    # ---- lifecycle transitions (executor thread) ----------------------------------------------
    # Each callback catches its own errors: rclpy turns an exception into ERROR, which would
    # hide the reason; FAILURE returns to the previous state and the node stays alive.

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Load the model and create the publishers, the worker and the diagnostics timer."""
        try:
            self.predictor = (
                self._given_predictor
                if self._given_predictor is not None
                else load_predictor(self.params, self)
            )
        except MODEL_ERRORS as error:
            message = str(error.args[0]) if isinstance(error, KeyError) else str(error)
            return self._fail("configure", message.splitlines()[0] if message else repr(error))
        self.focal_policy = FocalPolicy(
            self.params.focal_source, self.params.fixed_focal_px, self.params.focal_smoothing
        )
        self.ground_policy = ground_policy_for(self.params)
        qos_out = self._qos(self.params.output_reliability)
        # Lifecycle publishers publish only while the node is active.
        self.depth_pub = self.create_lifecycle_publisher(Image, "depth", qos_out)
        self.depth_info_pub = self.create_lifecycle_publisher(
            CameraInfo, "depth/camera_info", qos_out
        )
        self.points_pub = self.create_lifecycle_publisher(PointCloud2, "points", qos_out)
        self.diagnostics_pub = self.create_lifecycle_publisher(DiagnosticArray, "/diagnostics", 10)
        self._publishers = [
            self.depth_pub,
            self.depth_info_pub,
            self.points_pub,
            self.diagnostics_pub,
        ]
        self.worker = LatestFrameWorker(self._process, on_error=self._on_frame_error)
        self._diagnostics_timer = self.create_timer(
            self.params.diagnostics_period_s, self._publish_diagnostics
        )
        self._configured = True
        self.get_logger().info(f"configured: model on {getattr(self.predictor, 'device', '?')}")
        return SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Subscribe to the camera and enable the publishers."""
        qos_in = self._qos(self.params.input_reliability)
        if self.params.use_compressed:
            self._image_sub = self.create_subscription(
                CompressedImage, "image/compressed", self._on_image, qos_in
            )
        else:
            self._image_sub = self.create_subscription(Image, "image", self._on_image, qos_in)
        self._info_sub = self.create_subscription(
            CameraInfo, "camera_info", self._on_camera_info, qos_in
        )
        self._subscriptions_in_use = [self._image_sub, self._info_sub]
        with self._lock:
            self._active, self._idle = True, None
            self._next_depth_s = self._next_points_s = 0.0
        self.get_logger().info(
            f"ready on {getattr(self.predictor, 'device', '?')}: subscribed to "
            f"{self._image_sub.topic_name} and {self._info_sub.topic_name}"
        )
        return super().on_activate(state)  # enables the lifecycle publishers

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Unsubscribe and stop publishing; a frame in progress is dropped, the model kept."""
        self._stop_subscriptions()
        self.get_logger().info("deactivated: not subscribed, not publishing")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Free the model (and accelerator memory), the publishers, the worker and the timer."""
        self._release()
        self.get_logger().info("cleaned up: model freed")
        return SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything, from whichever state."""
        self._release()
        return SUCCESS

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything and go back to unconfigured."""
        self._release()
        return SUCCESS

    def _fail(self, transition: str, reason: str) -> TransitionCallbackReturn:
        self.transition_error = reason
        self.get_logger().error(f"{transition} failed: {reason}")
        return FAILURE

    def _stop_subscriptions(self) -> None:
        with self._lock:
            self._active = False
        for subscription in self._subscriptions_in_use:
            self.destroy_subscription(subscription)
        self._subscriptions_in_use = []

    def _release(self) -> None:
        self._configured = False
        self._stop_subscriptions()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self._diagnostics_timer is not None:
            self.destroy_timer(self._diagnostics_timer)
            self._diagnostics_timer = None
        for publisher in self._publishers:
            self.destroy_lifecycle_publisher(publisher)
        self._publishers = []
        self.predictor = None
        free_accelerator_memory()

    # ---- set-up -----------------------------------------------------------------------------
    def _qos(self, reliability: str) -> QoSProfile:
        return QoSProfile(
            history=HistoryPolicy.KEEP_LAST,
            depth=self.params.qos_depth,
            reliability=ReliabilityPolicy.RELIABLE
            if reliability == "reliable"
            else ReliabilityPolicy.BEST_EFFORT,
        )

    def _throttled(self, key: str, message: str) -> bool:
        """Whether to log `message` now: at most once per LOG_THROTTLE_S for each kind of problem.

        The kind is `key` plus the message without its numbers, so a stream of equally broken
        frames logs once while a different problem still gets its own line.
        """
        now_s = time.monotonic()
        key = f"{key}:{re.sub(r'[0-9.]+', '#', message)}"
        with self._lock:
            if now_s - self._last_log_s.get(key, -math.inf) < LOG_THROTTLE_S:
                return False
            self._last_log_s[key] = now_s
        return True

    def _warn(self, key: str, message: str) -> None:
        """Log a warning, throttled per kind of problem (see `_throttled`)."""
        if self._throttled(key, message):
            self.get_logger().warning(message)

    def has_output_subscribers(self) -> bool:
        """Whether anything subscribes to `depth`, `depth/camera_info` or `points`."""
        return any(
            publisher.get_subscription_count() > 0
            for publisher in (self.depth_pub, self.depth_info_pub, self.points_pub)
        )

    # ---- callbacks (executor thread): cheap, never block --------------------------------------
    def _on_camera_info(self, msg: CameraInfo) -> None:
        try:
            intrinsics = intrinsics_from_camera_info(msg)
        except ValueError as error:
            self._warn("camera_info", f"ignoring CameraInfo: {error}")
            return
        with self._lock:
            self._camera_info, self._camera = msg, intrinsics

    def _on_image(self, msg: Image | CompressedImage) -> None:
        worker = self.worker
        if worker is None or not self._active:  # a callback already queued at deactivate
            return
        now_s = time.monotonic()
        self.input_rate.tick(now_s)
        # Lazy: nobody listens, so neither decode nor infer. The focal policy (and its smoothed
        # estimate) is left as it is, so the output resumes where it stopped.
        idle = not self.has_output_subscribers()
        if idle is not self._idle:
            self._idle = idle
            self.get_logger().info(
                f"{IDLE_MESSAGE}: frames are not processed"
                if idle
                else "an output has a subscriber: processing frames"
            )
        if idle:
            self.skipped_idle += 1
            return
        with self._lock:
            if now_s < self._next_depth_s:  # depth_rate_hz cap: skip before any work
                return
            rate_hz = self.params.depth_rate_hz
            self._next_depth_s = now_s + 1.0 / rate_hz if rate_hz > 0 else 0.0
        worker.submit(_Frame(msg, now_s))

    # ---- worker thread ------------------------------------------------------------------------
    def _process(self, frame: _Frame) -> None:
        start_s = time.monotonic()
        params, predictor = self.params, self.predictor
        if predictor is None:  # cleaned up while this frame waited
            return
        try:
            if isinstance(frame.msg, CompressedImage):
                rgb = conversions.compressed_to_rgb(frame.msg, max_side_px=params.max_image_side_px)
            else:
                rgb = conversions.image_to_rgb(frame.msg, max_side_px=params.max_image_side_px)
        except ValueError as error:
            self.skipped_bad += 1
            self._warn("image", f"skipping image: {error}")
            return
        with self._lock:
            camera, camera_info = self._camera, self._camera_info
        height, width = rgb.shape[:2]
        try:
            rectifier = frame_rectifier(camera_info, width, height) if params.rectify else None
            depth = predict_frame_depth(
                predictor, self.focal_policy, rgb, camera, rectifier, self.ground_policy
            )
        except SkippedFrame as error:
            self.skipped_bad += 1
            self._warn("focal", f"skipping image: {error}")
            return
        self._ground_scale = depth.ground_scale
        self.floor_frames += depth.floor_found
        self._note_source(depth.source, depth.intrinsics.fx_px)
        # Rectified outputs describe a pinhole camera: the source's D no longer applies.
        source_info = None if depth.rectified else camera_info
        self._publish(frame, depth.depth_m, depth.rgb, depth.intrinsics, source_info)
        end_s = time.monotonic()
        self.inference_s.add(depth.inference_s)
        self.overhead_s.add((end_s - start_s) - depth.inference_s)
        self.latency_s.add(end_s - frame.received_s)
        with self._lock:
            self._failing = False

    def _on_frame_error(self, error: BaseException) -> None:
        """A frame raised in the worker: count it, log its traceback once, then throttle.

        The traceback is logged once per exception type and place (innermost frame), so a new
        kind of failure is still shown in full while a failing stream logs one line per 5 s.
        """
        described = f"{type(error).__name__}: {error}"
        frames = traceback.extract_tb(error.__traceback__)
        place = (frames[-1].filename, frames[-1].lineno or 0) if frames else ("", 0)
        kind = (f"{type(error).__module__}.{type(error).__qualname__}", *place)
        with self._lock:
            self.failed_frames += 1
            self._failing, self._last_error = True, described
            failed, first = self.failed_frames, kind not in self._traced_errors
            self._traced_errors.add(kind)
        if first:
            trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            self.get_logger().error(f"frame failed with {described}\n{trace.rstrip()}")
        elif self._throttled("process", described):
            self.get_logger().error(f"frame failed ({failed} so far): {described}")

    def _publish(
        self,
        frame: _Frame,
        depth_m: np.ndarray,
        rgb: np.ndarray,
        intrinsics: Intrinsics,
        camera_info: CameraInfo | None,
    ) -> None:
        params = self.params
        header = frame.msg.header
        self.depth_pub.publish(conversions.depth_to_image(depth_m, header))
        source_info = camera_info if self._source_in_use is FocalSourceInUse.CAMERA_INFO else None
        self.depth_info_pub.publish(make_camera_info(intrinsics, header, source_info))
        self.depth_rate.tick()
        now_s = time.monotonic()
        if (
            not params.publish_points
            or now_s < self._next_points_s
            or self.points_pub.get_subscription_count() == 0  # lazy: nobody wants the cloud
        ):
            return
        rate_hz = params.points_rate_hz
        self._next_points_s = now_s + 1.0 / rate_hz if rate_hz > 0 else 0.0
        cloud = depth_to_cloud(
            depth_m,
            intrinsics,
            header,
            stride=params.points_stride,
            min_depth_m=params.min_depth,
            max_depth_m=params.max_depth,
            rgb=rgb if params.points_colour else None,
            organised=params.points_organised,
        )
        self.points_pub.publish(cloud)
        self.points_rate.tick()

    def _note_source(self, source: FocalSourceInUse, focal_px: float) -> None:
        """Log the focal source once each time it changes."""
        if source is not self._source_in_use:
            self.get_logger().info(f"focal length source: {source.value} ({focal_px:.1f} px)")
        self._source_in_use, self._last_focal_px = source, focal_px

    # ---- parameters ---------------------------------------------------------------------------
    def _changes(self, parameters: list[Parameter]) -> dict[str, object]:
        return {
            p.name: coerce(SPECS_BY_NAME[p.name], p.value)
            for p in parameters
            if p.name in SPECS_BY_NAME
        }

    def _validate_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        changes = self._changes(parameters)
        # Model, QoS and input parameters are read by configure and activate: changing them later
        # would do nothing (or leave publishers and subscriptions inconsistent), so say so.
        unconfigured_only = [name for name in changes if not SPECS_BY_NAME[name].dynamic]
        if unconfigured_only and self._configured:
            return SetParametersResult(
                successful=False,
                reason=f"{', '.join(unconfigured_only)} can only be set while the node is "
                "unconfigured (read at configure): deactivate and clean up first",
            )
        try:
            self.params.replace(**changes)
        except (ValueError, TypeError) as error:
            return SetParametersResult(successful=False, reason=str(error))
        return SetParametersResult(successful=True)

    def _validate_and_apply_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """Humble's stand-in for an on-set plus a post-set callback (see `__init__`)."""
        result = self._validate_parameters(parameters)
        if result.successful:
            self._apply_parameters(parameters)
        return result

    def _apply_parameters(self, parameters: list[Parameter]) -> None:
        changes = self._changes(parameters)
        self.params = self.params.replace(**changes)
        if {"focal_source", "fixed_focal_px", "focal_smoothing"} & changes.keys():
            self.focal_policy = FocalPolicy(
                self.params.focal_source, self.params.fixed_focal_px, self.params.focal_smoothing
            )
        if GROUND_PARAMETERS & changes.keys():
            self.ground_policy = ground_policy_for(self.params)
            self._ground_scale = None
        with self._lock:
            self._next_depth_s = self._next_points_s = 0.0
        self.get_logger().info(f"parameters updated: {changes}")

    # ---- diagnostics --------------------------------------------------------------------------
    def diagnostics_values(self) -> dict[str, object]:
        """Current statistics, as published on /diagnostics."""
        inference_median_ms, inference_p95_ms = self.inference_s.summary_ms()
        latency_median_ms, latency_p95_ms = self.latency_s.summary_ms()
        overhead_median_ms, _ = self.overhead_s.summary_ms()
        return {
            "input_rate_hz": self.input_rate.rate_hz(),
            "depth_rate_hz": self.depth_rate.rate_hz(),
            "points_rate_hz": self.points_rate.rate_hz(),
            "inference_median_ms": inference_median_ms,
            "inference_p95_ms": inference_p95_ms,
            "latency_median_ms": latency_median_ms,
            "latency_p95_ms": latency_p95_ms,
            "overhead_median_ms": overhead_median_ms,
            "frames_in": self.input_rate.count,
            "frames_out": self.depth_rate.count,
            "dropped_frames": self.worker.dropped if self.worker is not None else 0,
            "skipped_bad_input": self.skipped_bad,
            "skipped_no_subscriber": self.skipped_idle,
            "failed_frames": self.failed_frames,
            "last_error": self._last_error or "none",
            "focal_source": self._source_in_use.value if self._source_in_use else "none yet",
            "focal_px": self._last_focal_px,
            "ground_scale": self._ground_scale_text(),
            "floor_frames": self.floor_frames,
            "device": str(getattr(self.predictor, "device", "?")),
        }

    def _ground_scale_text(self) -> str:
        """The floor's scale factor in use, or why there is none."""
        if self.ground_policy is None:
            return "off"
        scale = self._ground_scale
        return "no floor seen yet" if scale is None else f"{scale:.3f}"

    def _publish_diagnostics(self) -> None:
        values = self.diagnostics_values()
        with self._lock:
            error = self._last_error if self._failing else None
        header = conversions.Header(stamp=self.get_clock().now().to_msg())
        name = f"{self.get_fully_qualified_name()}: depth"
        self.diagnostics_pub.publish(
            build_diagnostics(
                header,
                name,
                str(values["device"]),
                values,
                idle=not self.has_output_subscribers(),
                error=error,
            )
        )

    def destroy_node(self) -> None:
        """Stop the worker before the publishers go away."""
        self._release()
        super().destroy_node()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `depth_node` / `python -m sharp_depth_ros.ros.node`.

    Returns:
        0 on a clean shutdown, 1 when start-up fails (bad parameter; with `autostart`, also a
        failed configure or activate, e.g. a bad checkpoint). Without `autostart` a failed
        configure leaves the node running, unconfigured.
    """
    rclpy.init(args=argv if argv is not None else sys.argv)
    node = None
    try:
        try:
            node = DepthNode()
        except (ValueError, StartupError) as error:
            rclpy.logging.get_logger("sharp_depth").fatal(f"start-up failed: {error}")
            return 1
        rclpy.spin(node)
    except KeyboardInterrupt:
        pass
    except ExternalShutdownException:
        pass
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
