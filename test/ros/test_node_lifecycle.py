"""The node as a managed (lifecycle) node: real processes, transitions through its services.

The test client calls `<node>/change_state` and `<node>/get_state` (lifecycle_msgs), as
`ros2 lifecycle set` and Nav2's lifecycle manager do, and watches the topics over DDS.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.msg import SetParametersResult
from rcl_interfaces.srv import SetParameters
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter

from sharp_depth_ros.ros.camera_info import intrinsics_from_focal
from sharp_depth_ros.ros.node import DepthNode
from sharp_depth_ros.ros.player import StreamClient

pytestmark = pytest.mark.ros

WIDTH, HEIGHT = 96, 72
RGB = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
CAMERA = intrinsics_from_focal(80.0, WIDTH, HEIGHT)
START_TIMEOUT_S = 90.0  # imports torch + timm on a loaded 2-core machine
SILENCE_S = 1.5  # frames streamed while the node must stay silent


class LifecycleClient:
    """Calls a node's lifecycle services from a StreamClient."""

    def __init__(self, client: StreamClient, node_name: str) -> None:
        self.client, self.node_name = client, node_name
        self.change = client.create_client(ChangeState, f"{node_name}/change_state")
        self.get = client.create_client(GetState, f"{node_name}/get_state")

    def wait(self, timeout_s: float) -> bool:
        """Wait for both services, then until each has answered once.

        A server may drop answers just after discovery (see StreamClient.call), and a change of
        state must not be sent twice; so change_state is first probed with a transition that
        an unconfigured node refuses (deactivate), which is safe to repeat.
        """
        ready = self.client.spin_until(
            lambda: self.change.service_is_ready() and self.get.service_is_ready(), timeout_s
        )
        probe = ChangeState.Request(transition=Transition(id=Transition.TRANSITION_DEACTIVATE))
        return (
            ready
            and self.client.call(self.get, GetState.Request(), timeout_s=30, attempts=6) is not None
            and self.client.call(self.change, probe, timeout_s=30, attempts=6) is not None
        )

    def transition(self, transition_id: int, timeout_s: float = 60.0) -> bool:
        future = self.change.call_async(
            ChangeState.Request(transition=Transition(id=transition_id))
        )
        assert self.client.spin_until(future.done, timeout_s), "no answer from change_state"
        return bool(future.result().success)

    def set_parameter(self, name: str, value: object) -> SetParametersResult:
        """Through the node's set_parameters service, as `ros2 param set` does."""
        service = self.client.create_client(SetParameters, f"{self.node_name}/set_parameters")
        try:
            assert service.wait_for_service(10)
            request = SetParameters.Request(
                parameters=[Parameter(name, value=value).to_parameter_msg()]
            )
            response = self.client.call(service, request)
            assert response is not None, "no answer from set_parameters"
            return response.results[0]
        finally:
            self.client.destroy_client(service)

    def state(self) -> int:
        response = self.client.call(self.get, GetState.Request())
        assert response is not None, "no answer from get_state"
        return int(response.current_state.id)


@pytest.fixture
def stream(rclpy_context: None) -> Iterator:
    """Factory: stream(namespace) -> StreamClient, destroyed at teardown."""
    clients: list[StreamClient] = []

    def make(namespace: str) -> StreamClient:
        clients.append(StreamClient(namespace=namespace))
        return clients[-1]

    yield make
    for client in clients:
        client.destroy_node()


def _stream_frames(client: StreamClient, duration_s: float) -> None:
    for _ in range(int(duration_s * 10)):  # 10 Hz
        client.publish_frame(RGB, intrinsics=CAMERA)
        client.spin_for(0.1)


def _published_anything(client: StreamClient) -> bool:
    return any(len(r) for r in (client.depth, client.depth_info, client.points))


def test_without_autostart_it_publishes_only_between_activate_and_deactivate(
    start_tiny_node: Any, stream: Any
) -> None:
    process = start_tiny_node(
        {"autostart": False, "diagnostics_period_s": 0.2}, name="managed", namespace="/managed"
    )
    client = stream("/managed")
    lifecycle = LifecycleClient(client, "/managed/sharp_depth")
    assert lifecycle.wait(START_TIMEOUT_S), process.log()
    assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED

    # Unconfigured, then configured (inactive): no subscription, nothing published.
    for transition, state in (
        (None, State.PRIMARY_STATE_UNCONFIGURED),
        (Transition.TRANSITION_CONFIGURE, State.PRIMARY_STATE_INACTIVE),
    ):
        if transition is not None:
            assert lifecycle.transition(transition), process.log()[-2000:]
        assert lifecycle.state() == state
        _stream_frames(client, SILENCE_S)
        assert client.image_pub.get_subscription_count() == 0
        assert not _published_anything(client) and not len(client.diagnostics), state
    assert "configured: model on cpu" in process.log()

    # Active: subscribed, depth arrives.
    assert lifecycle.transition(Transition.TRANSITION_ACTIVATE)
    assert lifecycle.state() == State.PRIMARY_STATE_ACTIVE
    assert client.spin_until(lambda: client.image_pub.get_subscription_count() > 0, 10)
    deadline_frames = 100
    while not len(client.depth) and deadline_frames:
        _stream_frames(client, 0.1)
        deadline_frames -= 1
    assert len(client.depth) > 0, process.log()[-2000:]
    assert client.spin_until(lambda: len(client.diagnostics) > 0, 5)

    # Deactivated: unsubscribed, silent again.
    assert lifecycle.transition(Transition.TRANSITION_DEACTIVATE)
    assert lifecycle.state() == State.PRIMARY_STATE_INACTIVE
    client.spin_for(0.5)  # a frame in flight at deactivate is not published either
    client.depth.clear(), client.depth_info.clear(), client.points.clear()
    client.diagnostics.clear()
    _stream_frames(client, SILENCE_S)
    assert client.image_pub.get_subscription_count() == 0
    assert not _published_anything(client) and not len(client.diagnostics)

    # Cleanup frees the model; configure + activate load it again and depth comes back.
    assert lifecycle.transition(Transition.TRANSITION_CLEANUP)
    assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED
    assert "cleaned up: model freed" in process.log()
    assert lifecycle.transition(Transition.TRANSITION_CONFIGURE)
    assert lifecycle.transition(Transition.TRANSITION_ACTIVATE)
    assert client.spin_until(lambda: client.image_pub.get_subscription_count() > 0, 10)
    while not len(client.depth) and deadline_frames:
        _stream_frames(client, 0.1)
        deadline_frames -= 1
    assert len(client.depth) > 0, process.log()[-2000:]
    assert process.process.poll() is None


def test_a_bad_checkpoint_fails_configure_the_node_stays_alive_and_a_good_one_configures(
    tiny_checkpoint: Path, start_node: Any, stream: Any, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.safetensors"
    wrong.write_bytes(b"this is not a checkpoint")
    process = start_node(
        {"checkpoint": wrong, "device": "cpu", "autostart": False}, name="bad", namespace="/bad"
    )
    client = stream("/bad")
    lifecycle = LifecycleClient(client, "/bad/sharp_depth")
    assert lifecycle.wait(START_TIMEOUT_S), process.log()
    for _ in range(2):  # and again: a failed configure leaves a working state machine
        assert not lifecycle.transition(Transition.TRANSITION_CONFIGURE)
        assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED
        assert process.process.poll() is None
    failures = [line for line in process.log().splitlines() if "configure failed:" in line]
    assert len(failures) == 2 and "wrong.safetensors" in failures[0], process.log()

    # Unconfigured, the model parameters may change; configured, they are refused with a reason.
    assert lifecycle.set_parameter("checkpoint", str(tiny_checkpoint)).successful
    assert lifecycle.transition(Transition.TRANSITION_CONFIGURE), process.log()[-2000:]
    refused = lifecycle.set_parameter("checkpoint", str(wrong))
    assert not refused.successful and "only be set while the node is unconfigured" in refused.reason
    refused = lifecycle.set_parameter("autostart", True)
    assert not refused.successful  # read-only: read once at start-up


def test_cleanup_drops_the_last_reference_to_the_model_and_configure_reloads_it(
    tiny_checkpoint: Path, rclpy_context: None
) -> None:
    node = DepthNode(
        namespace="/freed",
        parameter_overrides=[
            Parameter("checkpoint", value=str(tiny_checkpoint)),
            Parameter("device", value="cpu"),
            Parameter("autostart", value=False),
        ],
    )
    try:
        assert node.predictor is None  # unconfigured: no model yet
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        model = weakref.ref(node.predictor)
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
        assert model() is not None  # deactivate keeps the model
        assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        assert node.predictor is None and model() is None  # nothing else holds it
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.predictor is not None
    finally:
        node.destroy_node()
