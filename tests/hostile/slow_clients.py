"""Slow and silent clients, run side by side in threads so the suite waits for
the longest timeout once, not for each. Each client records when the server
closed its connection (or that it never did within the deadline)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

from harness.limits import effective

# Beyond the documented timeout: timer granularity, a loaded machine.
MARGIN_S = 3.0
MARGIN_FRACTION = 0.2
# "Slower than a byte per second" for bodies; fast enough for header trickling
# that an inactivity timer alone never fires.
BODY_BYTE_INTERVAL_S = 1.5
HEADER_BYTE_INTERVAL_S = 0.5


def deadline_for(spec, key: str) -> float:
    timeout = effective(spec, key)
    return timeout + MARGIN_S + MARGIN_FRACTION * timeout


@dataclass
class SlowClient:
    name: str
    limit_key: str
    opening: bytes
    trickle: bytes = b""
    interval: float = 0.0
    # idle keep-alive: time is counted from the end of the first response.
    wait_for_response: bool = False
    deadline: float = 0.0
    closed_after: float | None = None
    received: bytes = b""
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def run(self, host: str, port: int) -> None:
        try:
            self._run(host, port)
        except Exception as exc:  # reported by the test that owns this client
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    def _run(self, host: str, port: int) -> None:
        with socket.create_connection((host, port), timeout=5) as sock:
            start = time.monotonic()
            if self.opening:
                sock.sendall(self.opening)
            if self.wait_for_response:
                while b"\r\n\r\n" not in self.received or not self.received.endswith(b"Hello, World!"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed before answering the first request")
                    self.received += chunk
                start = time.monotonic()
            position = 0
            next_byte = start + self.interval
            while (now := time.monotonic()) - start < self.deadline:
                if self.trickle and now >= next_byte:
                    try:
                        sock.send(self.trickle[position % len(self.trickle) :][:1])
                    except OSError:
                        self.closed_after = now - start
                        return
                    position += 1
                    next_byte += self.interval
                wake = min(next_byte if self.trickle else start + self.deadline, start + self.deadline)
                sock.settimeout(max(wake - time.monotonic(), 0.01))
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    self.closed_after = time.monotonic() - start
                    return
                self.received += chunk


def slow_clients(spec) -> dict[str, SlowClient]:
    echo_head = b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    clients = [
        SlowClient("silent_connection", "header_read_timeout_s", b""),
        SlowClient(
            "idle_keepalive", "idle_timeout_s", b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n", wait_for_response=True
        ),
        SlowClient(
            "slowloris_headers",
            "header_read_timeout_s",
            b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n",
            trickle=b"X-Slow: loris\r\n",
            interval=HEADER_BYTE_INTERVAL_S,
        ),
        SlowClient("slow_body", "body_read_timeout_s", echo_head + b"[", trickle=b"1,", interval=BODY_BYTE_INTERVAL_S),
        SlowClient("stalled_body", "body_read_timeout_s", echo_head + b"[1,"),
    ]
    for c in clients:
        c.deadline = deadline_for(spec, c.limit_key)
    return {c.name: c for c in clients}


def launch(spec, host: str, port: int) -> dict[str, SlowClient]:
    clients = slow_clients(spec)
    for c in clients.values():
        threading.Thread(target=c.run, args=(host, port), name=f"slow-{c.name}", daemon=True).start()
    return clients
