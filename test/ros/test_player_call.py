"""StreamClient.call: a service answer comes back; a silent service gives None, not a hang."""

from __future__ import annotations

import threading
import time

import pytest
from lifecycle_msgs.msg import State
from lifecycle_msgs.srv import GetState
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

from sharp_depth_ros.ros.player import StreamClient

pytestmark = pytest.mark.ros


def _serve_state(
    delay_s: float,
) -> tuple[Node, SingleThreadedExecutor, threading.Thread, list[float]]:
    """A GetState server in its own thread that answers after `delay_s`; logs request times."""
    server = Node("call_server", namespace="/call")
    requests: list[float] = []

    def answer(request: GetState.Request, response: GetState.Response) -> GetState.Response:
        requests.append(time.monotonic())
        time.sleep(delay_s)
        response.current_state = State(id=State.PRIMARY_STATE_ACTIVE, label="active")
        return response

    server.create_service(GetState, "/call/state", answer)
    executor = SingleThreadedExecutor()
    executor.add_node(server)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    return server, executor, spinner, requests


@pytest.mark.parametrize("delay_s", [0.0, 1.5])
def test_call_returns_the_answer_of_a_real_service(rclpy_context: None, delay_s: float) -> None:
    """With a slow server the request is re-sent, and the late first answer still counts."""
    server, executor, spinner, requests = _serve_state(delay_s)
    client = StreamClient(namespace="/call")
    service = client.create_client(GetState, "/call/state")
    try:
        assert client.spin_until(service.service_is_ready, 20)
        response = client.call(service, GetState.Request(), timeout_s=3.0, attempts=3)
        assert response is not None
        assert response.current_state.id == State.PRIMARY_STATE_ACTIVE
        assert not service._pending_requests
        if delay_s:
            # Re-sent while the first answer was on its way. The one-thread server logs the
            # second request only after answering the first, which can be just after the
            # client returned: wait for the log rather than race it.
            deadline = time.monotonic() + 5.0
            while len(requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(requests) >= 2
    finally:
        executor.shutdown()
        spinner.join(timeout=10)  # an answer being prepared finishes before its node goes
        client.destroy_node()
        server.destroy_node()


def test_call_without_a_server_gives_none_and_leaves_no_pending_request(
    rclpy_context: None,
) -> None:
    client = StreamClient(namespace="/nobody")
    service = client.create_client(GetState, "/nobody/here")
    try:
        start_s = time.monotonic()
        assert client.call(service, GetState.Request(), timeout_s=0.6, attempts=3) is None
        assert time.monotonic() - start_s < 5
        assert not service._pending_requests
    finally:
        client.destroy_node()
