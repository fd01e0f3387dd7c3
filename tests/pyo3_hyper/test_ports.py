"""A busy port is an error, not a shared one (issue 13, defect 5); an IPv6 host's URL
has brackets (defect 12)."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys

import httpx
import pyo3_hyper
import pytest


def test_a_second_server_on_a_busy_port_fails(app):
    app.static("/p", "first")
    other = pyo3_hyper.App()
    other.static("/p", "second")
    with pyo3_hyper.start(app, port=0, workers=2) as first:
        with pytest.raises(OSError) as raised:
            pyo3_hyper.start(other, port=first.port, workers=2)
        assert raised.value.errno == errno.EADDRINUSE
        script = "import sys, pyo3_hyper; pyo3_hyper.start(pyo3_hyper.App(), port=int(sys.argv[1]), workers=2)"
        proc = subprocess.run([sys.executable, "-c", script, str(first.port)], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and "EADDRINUSE" in proc.stderr, proc.stderr
        # Every new connection still reaches the first server (both of its workers).
        for _ in range(20):
            with httpx.Client(base_url=first.url, timeout=5) as c:
                assert c.get("/p").text == "first"


def test_a_port_held_by_any_socket_fails(app):
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        with pytest.raises(OSError) as raised:
            pyo3_hyper.start(app, port=held.getsockname()[1], workers=1)
        assert raised.value.errno == errno.EADDRINUSE


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6_url_has_brackets(app):
    app.static("/p", "six")
    with pyo3_hyper.start(app, host="::1", workers=1) as server:
        assert server.url == f"http://[::1]:{server.port}"
        assert httpx.get(server.url + "/p", timeout=5).text == "six"
