"""Fixtures of the hostile suite.

Every test here is run against every selected server (the `server` fixture of
tests/conftest.py, which also fails a test after which the server died).
Outcomes are recorded for the readiness matrix by tests/support/results.py.
"""

from __future__ import annotations

import resource

import pytest

from harness.process import answers_plaintext


def assert_still_serving(server) -> None:
    """The liveness check after every case: a fresh GET /plaintext answers 200."""
    server.check_alive(step="hostile case")
    assert answers_plaintext(server.host, server.port, timeout=5.0), (
        f"{server.spec.name} is alive but no longer answers GET /plaintext on a fresh connection"
    )


def pytest_configure(config: pytest.Config) -> None:
    # The connection flood needs thousands of descriptors here and in the
    # servers, which inherit this limit when the session starts them.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
