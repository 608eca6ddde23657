"""The folder's conftest marks its tests: `-m "not cluster"` (or "not server") leaves them out."""

import pytest


def test_every_test_here_is_marked_cluster_and_server(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("cluster") is not None
    assert request.node.get_closest_marker("server") is not None
