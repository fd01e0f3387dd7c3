"""Testing an app without a port: `app.test_client()` is an `httpx.Client` whose requests
go over in-process socket pairs to the same hyper connection code a real client reaches
(routing, guard, HEAD, streaming, hooks), so what passes here passes on the wire.

    with app.test_client() as client:
        assert client.get("/users/7").json()["id"] == 7

Needs httpx (not a dependency of pyo3_hyper itself).
"""

from __future__ import annotations

import http.client
import socket
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from . import App, Server


class Transport(httpx.BaseTransport):
    """An httpx transport that sends each request on a new in-process connection of
    `server` (a server started without a host)."""

    def __init__(self, server: Server) -> None:
        self._server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        head = [f"{request.method} {request.url.raw_path.decode('ascii')} HTTP/1.1"]
        for name, value in request.headers.multi_items():
            # The body is sent whole: framed by its length.
            if name.lower() not in ("content-length", "transfer-encoding"):
                head.append(f"{name}: {value}")
        if body or request.method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            head.append(f"content-length: {len(body)}")
        with socket.socket(fileno=self._server._core.connect()) as sock:
            # One write: a server that answers before reading the body (415, 413) and
            # closes must not turn the rest of the request into a broken pipe.
            sock.sendall("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)
            answer = http.client.HTTPResponse(sock, method=request.method)
            answer.begin()
            content = answer.read()  # de-chunked by http.client
            return httpx.Response(answer.status, headers=answer.getheaders(), content=content, request=request)


class TestClient(httpx.Client):
    """`httpx.Client(base_url="http://testserver")` serving `app` in-process; the server
    (and the app's startup hooks) starts on `__enter__` and stops on `__exit__`."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: App, *, shutdown_timeout: float = 5.0, **httpx_options: Any) -> None:
        self._app = app
        self._shutdown_timeout = shutdown_timeout
        self._server: Server | None = None
        httpx_options.setdefault("base_url", "http://testserver")
        super().__init__(transport=_Deferred(self), **httpx_options)

    def __enter__(self) -> TestClient:
        from . import Server

        self._server = Server(self._app, None, 0, 1, self._shutdown_timeout, 4)
        super().__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            super().__exit__(*exc)
        finally:
            if self._server is not None:
                self._server.stop()
                self._server = None


class _Deferred(httpx.BaseTransport):
    """The client's transport: the server exists only inside `with`."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        server = self._client._server
        if server is None:
            raise RuntimeError("use the test client inside `with app.test_client() as client:`")
        return Transport(server).handle_request(request)
