"""Real FastAPI and Starlette apps, unchanged, through pyo3_hyper's ASGI
interface: routing, validation errors, dependency injection, streaming
responses, uploads, lifespan state, WebSocket echo, client disconnects,
middleware on anyio task groups, a mounted sub-app."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
import time

import httpx
import pyo3_hyper
import pytest

fastapi = pytest.importorskip("fastapi")
pytest.importorskip("multipart")
websockets_client = pytest.importorskip("websockets.sync.client")

from fastapi import Depends, FastAPI, File, Header, HTTPException, Request, UploadFile, WebSocket  # noqa: E402
from fastapi.responses import StreamingResponse  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.base import BaseHTTPMiddleware  # noqa: E402
from starlette.responses import JSONResponse, PlainTextResponse  # noqa: E402
from starlette.routing import Mount, Route, WebSocketRoute  # noqa: E402

from tests.support.rawhttp import RawConnection, request  # noqa: E402


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


def build_fastapi(events: list) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        events.append("startup")
        yield {"greeting": "hello from lifespan", "started_loop": asyncio.get_running_loop()}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    def token(x_token: str = Header()) -> str:
        if x_token != "secret":
            raise HTTPException(status_code=401, detail="bad token")
        return x_token

    async def session():
        events.append("session-open")
        try:
            yield {"user": "alice"}
        finally:
            events.append("session-closed")

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None):
        if item_id == 0:
            raise HTTPException(status_code=404, detail="no such item")
        return {"item_id": item_id, "q": q}

    @app.post("/items", status_code=201)
    async def create_item(item: Item):
        return {"created": item.model_dump()}

    @app.get("/me")
    async def me(tok: str = Depends(token), sess: dict = Depends(session)):
        return {"token": tok, "user": sess["user"]}

    @app.get("/sync")
    def sync_endpoint():
        # FastAPI runs a plain def in its thread pool (anyio.to_thread).
        return {"thread": threading.current_thread().name != "pyo3-hyper-python"}

    @app.get("/state")
    async def state(request: Request):
        same_loop = request.state.started_loop is asyncio.get_running_loop()
        return {"greeting": request.state.greeting, "same_loop": same_loop}

    @app.get("/stream")
    async def stream():
        async def numbers():
            for i in range(5):
                yield f"{i}\n"
                await asyncio.sleep(0)

        return StreamingResponse(numbers(), media_type="text/plain")

    @app.post("/upload")
    async def upload(file: UploadFile = File(...)):
        digest, size = hashlib.sha256(), 0
        while chunk := await file.read(65536):
            digest.update(chunk)
            size += len(chunk)
        return {"filename": file.filename, "size": size, "sha256": digest.hexdigest(), "type": file.content_type}

    @app.get("/wait-for-disconnect")
    async def wait_for_disconnect(request: Request):
        events.append("waiting")
        while not await request.is_disconnected():
            await asyncio.sleep(0.01)
        events.append("disconnected")
        return {}

    @app.websocket("/ws")
    async def ws_echo(websocket: WebSocket):
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                events.append(("ws-closed", message["code"]))
                return
            if message.get("text") is not None:
                await websocket.send_text("echo: " + message["text"])
            else:
                await websocket.send_bytes(message["bytes"][::-1])

    return app


@pytest.fixture
def fastapi_server():
    events: list = []
    with pyo3_hyper.start(build_fastapi(events), port=0, workers=1, shutdown_timeout=1.0) as server:
        yield server, events
    assert events[-1] == "shutdown"


def test_fastapi_routing_and_path_params(fastapi_server):
    server, _ = fastapi_server
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/items/42", params={"q": "x y"}).json() == {"item_id": 42, "q": "x y"}
        missing = client.get("/items/0")
        assert missing.status_code == 404 and missing.json() == {"detail": "no such item"}
        assert client.get("/nowhere").status_code == 404
        assert client.delete("/items/1").status_code == 405


def test_fastapi_validation_errors_are_422(fastapi_server):
    server, _ = fastapi_server
    with httpx.Client(base_url=server.url) as client:
        bad_path = client.get("/items/not-a-number")
        assert bad_path.status_code == 422
        assert bad_path.json()["detail"][0]["loc"] == ["path", "item_id"]
        bad_body = client.post("/items", json={"name": "x", "price": "free"})
        assert bad_body.status_code == 422
        assert bad_body.json()["detail"][0]["loc"] == ["body", "price"]
        ok = client.post("/items", json={"name": "lamp", "price": 9.5, "tags": ["a"]})
        assert ok.status_code == 201 and ok.json() == {"created": {"name": "lamp", "price": 9.5, "tags": ["a"]}}


def test_fastapi_dependency_injection(fastapi_server):
    server, events = fastapi_server
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/me", headers={"X-Token": "secret"}).json() == {"token": "secret", "user": "alice"}
        assert client.get("/me", headers={"X-Token": "wrong"}).status_code == 401
        assert client.get("/me").status_code == 422  # the header is required
    # The yield dependency's cleanup ran.
    assert events.count("session-open") == events.count("session-closed") >= 1


def test_fastapi_sync_endpoint_runs_in_a_thread(fastapi_server):
    server, _ = fastapi_server
    assert httpx.get(server.url + "/sync").json() == {"thread": True}


def test_fastapi_lifespan_state_reaches_requests(fastapi_server):
    server, events = fastapi_server
    assert events[0] == "startup"
    # The lifespan ran on the loop that serves the requests (asgiref lifespan.rst).
    assert httpx.get(server.url + "/state").json() == {"greeting": "hello from lifespan", "same_loop": True}


def test_fastapi_streaming_response(fastapi_server):
    server, _ = fastapi_server
    with RawConnection("127.0.0.1", server.port) as conn:
        conn.send(request("GET", "/stream"))
        resp = conn.read_response()
    assert resp.status == 200 and resp.chunked
    assert resp.body == b"0\n1\n2\n3\n4\n"


def test_fastapi_upload_file(fastapi_server):
    server, _ = fastapi_server
    payload = bytes(range(256)) * 4096  # 1 MiB, streamed through receive()
    resp = httpx.post(server.url + "/upload", files={"file": ("data.bin", payload, "application/x-test")}, timeout=30)
    assert resp.status_code == 200
    assert resp.json() == {
        "filename": "data.bin",
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "type": "application/x-test",
    }


def test_fastapi_sees_the_client_disconnect(fastapi_server):
    server, events = fastapi_server
    conn = socket.create_connection(("127.0.0.1", server.port))
    conn.sendall(request("GET", "/wait-for-disconnect"))
    deadline = time.monotonic() + 5
    while "waiting" not in events and time.monotonic() < deadline:
        time.sleep(0.01)
    conn.close()
    while "disconnected" not in events and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "disconnected" in events


def test_fastapi_websocket_echo(fastapi_server):
    server, events = fastapi_server
    with websockets_client.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        ws.send("hi")
        assert ws.recv() == "echo: hi"
        ws.send(b"\x01\x02\x03")
        assert ws.recv() == b"\x03\x02\x01"
        big = "x" * (512 * 1024)
        ws.send(big)
        assert ws.recv() == "echo: " + big
    deadline = time.monotonic() + 5
    while not any(isinstance(e, tuple) for e in events) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ("ws-closed", 1000) in events


def test_fastapi_websocket_unknown_path_is_refused(fastapi_server):
    server, _ = fastapi_server
    with pytest.raises(Exception) as info:
        websockets_client.connect(f"ws://127.0.0.1:{server.port}/nope")
    assert "403" in str(info.value)


# --- Starlette ---------------------------------------------------------------------------------


class Stamp(BaseHTTPMiddleware):
    """BaseHTTPMiddleware runs the app in an anyio task group."""

    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers["x-stamp"] = "yes"
        return response


def build_starlette() -> Starlette:
    async def home(request):
        return PlainTextResponse(f"root_path={request.scope['root_path']} path={request.url.path}")

    async def echo(request):
        body = b""
        async for chunk in request.stream():
            body += chunk
        return JSONResponse({"len": len(body), "ct": request.headers.get("content-type")})

    async def ws(websocket):
        await websocket.accept(subprotocol="chat")
        async for text in websocket.iter_text():
            await websocket.send_text(text.upper())

    async def refuse(websocket):
        await websocket.close(code=4003)

    sub = Starlette(routes=[Route("/hello", lambda r: PlainTextResponse("sub:" + r.url.path))])
    return Starlette(
        routes=[
            Route("/", home),
            Route("/echo", echo, methods=["POST"]),
            WebSocketRoute("/ws", ws),
            WebSocketRoute("/refuse", refuse),
            Mount("/sub", app=sub),
        ],
        middleware=[Middleware(Stamp)],
    )


@pytest.fixture
def starlette_server():
    with pyo3_hyper.start(build_starlette(), port=0, workers=1, shutdown_timeout=1.0) as server:
        yield server


def test_starlette_middleware_and_mount(starlette_server):
    with httpx.Client(base_url=starlette_server.url) as client:
        home = client.get("/")
        assert home.text == "root_path= path=/" and home.headers["x-stamp"] == "yes"
        assert client.get("/sub/hello").text == "sub:/sub/hello"


def test_starlette_streamed_request_body(starlette_server):
    def chunks():
        for _ in range(64):
            yield b"z" * 10000

    resp = httpx.post(starlette_server.url + "/echo", content=chunks(), headers={"content-type": "text/x"})
    assert resp.json() == {"len": 640000, "ct": "text/x"}


def test_starlette_websocket_subprotocol_and_close(starlette_server):
    with websockets_client.connect(f"ws://127.0.0.1:{starlette_server.port}/ws", subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
        ws.send("shout")
        assert ws.recv() == "SHOUT"
    # Closed before accepting: the handshake is refused with 403.
    with pytest.raises(Exception) as info:
        websockets_client.connect(f"ws://127.0.0.1:{starlette_server.port}/refuse")
    assert "403" in str(info.value)


def test_starlette_under_a_root_path():
    with pyo3_hyper.start(build_starlette(), port=0, workers=1, root_path="/api") as server:
        # A proxy strips /api; the app builds its URLs with it.
        assert httpx.get(server.url + "/").text == "root_path=/api path=/api/"
