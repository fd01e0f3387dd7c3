"""A minimal HTTP/1.1 client over a raw socket, for what httpx cannot express:
pipelining, exact bytes on the wire, and watching a connection close."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field


class ConnectionClosed(Exception):
    """The server closed the connection before a whole response arrived."""


@dataclass
class RawResponse:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


def request(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b"", version: str = "HTTP/1.1"
) -> bytes:
    """Bytes of one request; Host is added unless given, Content-Length when there is a body."""
    hdrs = {"Host": "localhost", **(headers or {})}
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in hdrs):
        hdrs["Content-Length"] = str(len(body))
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    return head.encode("latin-1") + body


class RawConnection:
    def __init__(self, host: str, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_tolerant(self, data: bytes) -> bool:
        """Sends what the server will take; False if it closed or reset first
        (a server may answer 413 and close before reading a large body)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete response within the timeout")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError as exc:
            raise ConnectionClosed("connection reset by server") from exc
        if not chunk:
            raise ConnectionClosed("connection closed by server")
        self.buf += chunk

    def _read_until(self, marker: bytes, deadline: float) -> bytes:
        while marker not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, timeout: float | None = None, *, head_request: bool = False) -> RawResponse:
        deadline = time.monotonic() + (timeout or self.timeout)
        head = self._read_until(b"\r\n\r\n", deadline).decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        version, status, *reason = status_line.split(" ", 2)
        headers = [tuple(s.strip() for s in line.split(":", 1)) for line in header_lines if line]
        resp = RawResponse(version, int(status), reason[0] if reason else "", headers)  # type: ignore[arg-type]
        if head_request or resp.status in (204, 304) or 100 <= resp.status < 200:
            return resp
        te = (resp.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            resp.chunked = True
            body = b""
            while True:
                size = int(self._read_until(b"\r\n", deadline).split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n", deadline)  # no trailers expected
                    break
                body += self._read_exact(size, deadline)
                self._read_exact(2, deadline)
            resp.body = body
        elif resp.header("content-length") is not None:
            resp.body = self._read_exact(int(resp.header("content-length")), deadline)
        else:  # delimited by close
            try:
                while True:
                    self._fill(deadline)
            except ConnectionClosed:
                resp.body, self.buf = self.buf, b""
        return resp

    def closed_by_peer(self, timeout: float = 2.0) -> bool:
        """True once the server closes (EOF or reset) within `timeout` with nothing more sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Outcome:
    """Everything a server sent back on one connection within a window."""

    responses: list[RawResponse]
    closed: bool
    # Bytes that did not parse as a response (a server may write garbage).
    garbage: bytes = b""
    elapsed: float = 0.0

    def statuses(self) -> list[int]:
        return [r.status for r in self.responses]


def exchange(host: str, port: int, data: bytes, *, window: float = 3.0, grace: float = 0.5) -> Outcome:
    """Sends `data` on a fresh connection and collects responses until the server
    closes or `window` passes. Once a response has arrived, a further one (a
    smuggled request's answer would follow at once on loopback) is awaited only
    for `grace` seconds, so a server that keeps the connection open after its
    answer costs little time."""
    start = time.monotonic()
    deadline = start + window
    with RawConnection(host, port, timeout=window) as conn:
        sender = _send_in_background(conn, data, timeout=window)
        responses: list[RawResponse] = []
        closed = False
        garbage = b""
        while True:
            if responses:
                deadline = min(deadline, time.monotonic() + grace)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                responses.append(conn.read_response(timeout=remaining))
            except ConnectionClosed:
                closed, garbage = True, conn.buf
                break
            except TimeoutError:
                garbage = conn.buf
                break
            except (ValueError, IndexError):
                garbage = conn.buf or b"<an unparseable response head>"
                break
        sender.join()
        return Outcome(responses, closed, garbage, time.monotonic() - start)


def _send_in_background(conn: RawConnection, data: bytes, timeout: float) -> threading.Thread:
    """A large request may be answered (413, 431) and the connection closed
    before it is all sent: reading must go on while sending."""
    sock = conn.sock.dup()  # its own timeout; the same connection

    def send() -> None:
        with sock:
            sock.settimeout(timeout)
            try:
                sock.sendall(data)
            except OSError:
                pass  # stopped reading or closed: the answer, if any, is read by the caller

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread
