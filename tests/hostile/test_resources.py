"""Resource exhaustion: a client that never reads its responses, and a flood of
idle connections. Memory and descriptors are the server's whole process tree
(servers with worker processes included)."""

from __future__ import annotations

import resource
import select
import socket
import threading
import time

import psutil

from harness.process import answers_plaintext
from tests.support.proctree import tree_fds, tree_rss

from .conftest import assert_still_serving

# Requests pipelined without reading: 16 MiB of `GET /json` is ~500k requests,
# ~80 MiB of responses if the server queued them all.
UNREAD_SEND_BYTES = 16 << 20
UNREAD_MAX_SECONDS = 10.0
# Sending has stalled this long: the server stopped reading (backpressure).
STALL_S = 2.0
RSS_GROWTH_LIMIT = 48 << 20

FLOOD_CONNECTIONS = 3000
FLOOD_ANSWER_S = 3.0
FD_SLACK = 16
FD_SETTLE_S = 5.0


def test_unread_responses_bounded_memory(server):
    """Pipelining without reading must meet backpressure, not unbounded buffering."""
    request = b"GET /json HTTP/1.1\r\nHost: localhost\r\n\r\n"
    batch = request * 1024
    baseline = tree_rss(server.pid)
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(server.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sent = 0
    stalled = False
    sock = socket.create_connection((server.host, server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.setblocking(False)
    try:
        start = last_progress = time.monotonic()
        view = memoryview(batch)
        while sent < UNREAD_SEND_BYTES and time.monotonic() - start < UNREAD_MAX_SECONDS:
            _, writable, _ = select.select([], [sock], [], 0.2)
            if not writable:
                if time.monotonic() - last_progress > STALL_S:
                    stalled = True
                    break
                continue
            try:
                n = sock.send(view)
            except (BlockingIOError, InterruptedError):
                continue
            except (BrokenPipeError, ConnectionResetError):
                break  # the server gave up on this client: also bounded
            sent += n
            last_progress = time.monotonic()
            view = view[n:] if n < len(view) else memoryview(batch)
        time.sleep(0.5)  # let the last reads turn into buffered responses, if they would
    finally:
        stop.set()
        sampler.join()
        sock.close()
    assert_still_serving(server)
    growth = peak[0] - baseline
    assert growth < RSS_GROWTH_LIMIT, (
        f"RSS grew {growth / 2**20:.0f} MiB (limit {RSS_GROWTH_LIMIT / 2**20:.0f}) while a client sent "
        f"{sent / 2**20:.1f} MiB of pipelined requests without reading (stalled={stalled})"
    )


def _nofile(pid: int) -> int:
    soft, _ = psutil.Process(pid).rlimit(psutil.RLIMIT_NOFILE)
    return soft if soft > 0 else 1 << 20


def test_connection_flood(server):
    """Thousands of idle connections at once; a new client is still answered
    promptly, and the descriptors are released once the flood goes away."""
    own_soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = min(own_soft, _nofile(server.pid)) - tree_fds(server.pid) - 200
    count = max(0, min(FLOOD_CONNECTIONS, room))
    assert count >= 500, f"descriptor limits leave room for only {count} connections; raise `ulimit -n`"
    before = tree_fds(server.pid)
    flood: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((server.host, server.port))
            flood.append(s)
        time.sleep(0.5)  # let the server accept them
        t0 = time.monotonic()
        answered = answers_plaintext(server.host, server.port, timeout=FLOOD_ANSWER_S)
        latency = time.monotonic() - t0
        server.check_alive(step="flood")
        assert answered, f"GET /plaintext not answered within {FLOOD_ANSWER_S}s under {count} idle connections"
    finally:
        for s in flood:
            s.close()
    deadline = time.monotonic() + FD_SETTLE_S
    while (now_fds := tree_fds(server.pid)) > before + FD_SLACK and time.monotonic() < deadline:
        time.sleep(0.1)
    assert_still_serving(server)
    assert now_fds <= before + FD_SLACK, (
        f"{now_fds - before} descriptors still open {FD_SETTLE_S}s after {count} flood connections closed"
    )
    assert latency < FLOOD_ANSWER_S
