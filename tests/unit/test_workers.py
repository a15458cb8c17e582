"""KServe's --workers as the server's supervisor reads it (nivesh.serving.workers); the
processes themselves are in tests/integration/test_workers.py."""

from __future__ import annotations

import socket

import pytest

from nivesh.serving import workers


@pytest.mark.parametrize(
    ("argv", "count"),
    [
        ([], 1),
        (["--model_dir=/m", "--workers", "3"], 3),
        (["--workers=2"], 2),
        (["--workers=4", "--model_name=x", "--workers=1"], 1),  # a worker's own command line
    ],
)
def test_the_worker_count_is_kserves_flag_the_last_one_winning(argv: list[str], count: int) -> None:
    assert workers.requested(argv) == count


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", ""])
def test_a_worker_count_that_is_not_a_whole_number_stops_with_the_flag_named(value: str) -> None:
    with pytest.raises(SystemExit, match=f"--workers={value}: expected a whole number"):
        workers.requested([f"--workers={value}"])


def test_workers_share_a_port_that_a_plain_listener_would_refuse() -> None:
    first = workers.listening_socket("127.0.0.1", 0, 16)
    port = first.getsockname()[1]
    second = workers.listening_socket("127.0.0.1", port, 16)  # SO_REUSEPORT: a sibling binds too
    try:
        with pytest.raises(SystemExit, match=f"REST port {port} on 127.0.0.1 is in use"):
            workers._check_free("127.0.0.1", port, "REST")
    finally:
        first.close()
        second.close()
    workers._check_free("127.0.0.1", port, "REST")  # free again once they are closed
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", port))
