"""pyo3_hyper's ASGI interface against the asgiref spec (specs/www.rst,
specs/lifespan.rst), edge by edge, with plain ASGI apps: what the scope
holds, how receive() streams and ends, how send() frames, misuses, errors,
client disconnects, backpressure, and the lifespan protocol."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper.asgi import ClientDisconnected, LifespanFailed

from tests.support.rawhttp import ConnectionClosed, RawConnection, request


def start(app, **options):
    return pyo3_hyper.start(app, port=0, workers=1, shutdown_timeout=1.0, **options)


def text_reply(body: bytes, status: int = 200, headers=()):
    async def reply(send):
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain"), *headers]})
        await send({"type": "http.response.body", "body": body})

    return reply


class Recorder:
    """An app that keeps every scope and every received message."""

    def __init__(self):
        self.scopes: list[dict] = []
        self.messages: list[list[dict]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        self.scopes.append(scope)
        got = []
        while True:
            message = await receive()
            got.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        self.messages.append(got)
        await text_reply(b"ok")(send)


@pytest.fixture
def recorder():
    app = Recorder()
    with start(app) as server:
        yield app, server


def raw(server, data: bytes, *, head_request: bool = False):
    with RawConnection("127.0.0.1", server.port) as conn:
        conn.send(data)
        return conn.read_response(head_request=head_request)


# --- the http scope -------------------------------------------------------------------------


def test_scope_fields(recorder):
    app, server = recorder
    resp = raw(server, request("GET", "/a%20b/caf%C3%A9?x=1&y=%20z", headers={"X-Custom": "Value"}))
    assert resp.status == 200
    scope = app.scopes[0]
    assert scope["type"] == "http"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["asgi"]["spec_version"] == "2.4"
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    # path: percent-decoded and UTF-8 decoded; raw_path: the bytes as received
    assert scope["path"] == "/a b/café"
    assert scope["raw_path"] == b"/a%20b/caf%C3%A9"
    assert scope["query_string"] == b"x=1&y=%20z"
    assert scope["root_path"] == ""
    client_host, client_port = scope["client"]
    assert client_host == "127.0.0.1" and isinstance(client_port, int) and client_port > 0
    assert scope["server"] == ("127.0.0.1", server.port)
    assert scope["state"] == {}


def test_headers_are_lowercased_byte_pairs_with_repeats_kept(recorder):
    app, server = recorder
    wire = b"GET / HTTP/1.1\r\nHost: h\r\nX-Dup: one\r\nAccept: */*\r\nX-DUP: two\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"
    assert raw(server, wire).status == 200
    headers = app.scopes[0]["headers"]
    assert all(isinstance(name, bytes) and isinstance(value, bytes) for name, value in headers)
    assert all(name == name.lower() for name, _ in headers)
    # Every repeat is there, values of one name in arrival order (names' order is free).
    assert [v for n, v in headers if n == b"x-dup"] == [b"one", b"two"]
    assert [v for n, v in headers if n == b"cookie"] == [b"a=1", b"b=2"]
    assert (b"host", b"h") in headers and (b"accept", b"*/*") in headers


def test_header_value_bytes_are_not_decoded(recorder):
    app, server = recorder
    assert raw(server, b"GET / HTTP/1.1\r\nHost: h\r\nX-Latin: caf\xe9\r\n\r\n").status == 200
    assert (b"x-latin", b"caf\xe9") in app.scopes[0]["headers"]


def test_http_10(recorder):
    app, server = recorder
    with RawConnection("127.0.0.1", server.port) as conn:
        conn.send(b"GET /old HTTP/1.0\r\n\r\n")
        assert conn.read_response().status == 200
        assert conn.closed_by_peer()
    assert app.scopes[0]["http_version"] == "1.0"


def test_empty_query_and_odd_paths(recorder):
    app, server = recorder
    assert raw(server, request("GET", "/plain")).status == 200
    assert raw(server, request("GET", "/x?")).status == 200
    assert raw(server, request("GET", "/100%25/%zz")).status == 200
    assert raw(server, request("GET", "/%FF")).status == 200
    plain, empty_query, escapes, invalid_utf8 = app.scopes
    assert plain["query_string"] == b"" and plain["path"] == "/plain"
    assert empty_query["query_string"] == b"" and empty_query["raw_path"] == b"/x"
    # %25 decodes to '%'; a '%' not followed by two hex digits stays as it is
    assert escapes["path"] == "/100%/%zz" and escapes["raw_path"] == b"/100%25/%zz"
    # invalid UTF-8 after decoding: the replacement character (urllib.parse.unquote's way)
    assert invalid_utf8["path"] == "/\ufffd"


def test_root_path_prefixes_path_and_raw_path():
    app = Recorder()
    with start(app, root_path="/api") as server:
        assert raw(server, request("GET", "/items/1")).status == 200
    scope = app.scopes[0]
    assert scope["root_path"] == "/api"
    # uvicorn's convention, which Starlette's router expects: path includes root_path
    assert scope["path"] == "/api/items/1"
    assert scope["raw_path"] == b"/api/items/1"


def test_scope_state_is_a_shallow_copy_per_request():
    seen = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["shared"] = []
            scope["state"]["name"] = "life"
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        state = scope["state"]
        seen.append((state, state["name"]))
        state["shared"].append(len(seen))
        state["name"] = "changed"  # a key of this request's copy only
        await text_reply(b"ok")(send)

    with start(app) as server:
        for _ in range(2):
            assert httpx.get(server.url).status_code == 200
    (first, _), (second, name_seen_by_second) = seen
    assert first is not second
    assert name_seen_by_second == "life"  # the first request's rebinding did not leak
    assert first["shared"] is second["shared"] and second["shared"] == [1, 2]


# --- receive() --------------------------------------------------------------------------------


def test_no_body_is_one_empty_message(recorder):
    app, server = recorder
    assert raw(server, request("GET", "/")).status == 200
    assert app.messages[0] == [{"type": "http.request", "body": b"", "more_body": False}]


def test_body_with_its_head_comes_whole(recorder):
    app, server = recorder
    assert raw(server, request("POST", "/", body=b'{"a":1}')).status == 200
    assert app.messages[0] == [{"type": "http.request", "body": b'{"a":1}', "more_body": False}]


def test_chunked_body_streams_in_order():
    app = Recorder()
    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        time.sleep(0.2)  # the first chunk reaches the app on its own (a pace, not an assertion)
        conn.send(b"6\r\n world\r\n0\r\n\r\n")
        assert conn.read_response().status == 200
    messages = app.messages[0]
    assert all(m["type"] == "http.request" for m in messages)
    assert b"".join(m["body"] for m in messages) == b"hello world"
    assert [m["more_body"] for m in messages][-1] is False
    assert all(m["more_body"] for m in messages[:-1])
    assert len(messages) >= 2


def test_large_body_streams_in_bounded_chunks(recorder):
    app, server = recorder
    body = bytes(range(256)) * 8192  # 2 MiB
    assert httpx.post(server.url, content=body).status_code == 200
    messages = app.messages[0]
    assert b"".join(m["body"] for m in messages) == body
    assert len(messages) > 2 and max(len(m["body"]) for m in messages) <= 1024 * 1024


def test_expect_continue_is_sent_at_the_first_receive():
    reading = threading.Event()
    proceed = threading.Event()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await asyncio.get_running_loop().run_in_executor(None, proceed.wait, 5)
        reading.set()
        message = await receive()
        await text_reply(message["body"])(send)

    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        # Before the app asks for the body, nothing comes back.
        conn.sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            conn.sock.recv(100)
        proceed.set()
        interim = conn.read_response()
        assert interim.status == 100 and reading.is_set()
        conn.send(b"hello")
        final = conn.read_response()
        assert (final.status, final.body) == (200, b"hello")


def test_receive_after_the_response_is_disconnect():
    after = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await receive()
        await text_reply(b"done")(send)
        after.append(await receive())

    with start(app) as server:
        assert httpx.get(server.url).text == "done"
        deadline = time.monotonic() + 5
        while not after and time.monotonic() < deadline:
            time.sleep(0.01)
    assert after == [{"type": "http.disconnect"}]


def test_client_leaving_mid_request_is_disconnect():
    got = []
    waiting = threading.Event()
    done = threading.Event()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await receive()
        waiting.set()
        got.append(await receive())  # long-poll style: wait for the client to go
        try:
            await text_reply(b"late")(send)
        except OSError as exc:
            got.append(exc)
        done.set()

    with start(app) as server:
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.sendall(request("GET", "/poll"))
        assert waiting.wait(5)
        conn.close()
        assert done.wait(5)
    assert got[0] == {"type": "http.disconnect"}
    # ASGI 2.4: send() on a closed connection raises a server-specific OSError
    assert isinstance(got[1], ClientDisconnected) and isinstance(got[1], OSError)


def test_client_leaving_mid_body_is_disconnect():
    got = []
    done = threading.Event()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        while True:
            message = await receive()
            got.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        done.set()

    with start(app) as server:
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial")
        time.sleep(0.2)
        conn.close()
        assert done.wait(5)
    assert got[-1] == {"type": "http.disconnect"}
    assert b"".join(m.get("body", b"") for m in got) == b"partial"


# --- send() -----------------------------------------------------------------------------------


def test_whole_body_gets_a_content_length():
    with start(text_reply_app(b"Hello, World!")) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.header("content-length") == "13" and not resp.chunked and resp.body == b"Hello, World!"
    assert resp.header("server") == "pyo3-hyper" and resp.header("date")


def text_reply_app(body: bytes, headers=()):
    reply = text_reply(body, headers=headers)

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await reply(send)

    return app


def test_empty_body_with_more_body_false():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "more_body": False})

    with start(app) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.status == 204 and resp.body == b""


def test_empty_body_200_has_content_length_zero():
    with start(text_reply_app(b"")) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.status == 200 and resp.header("content-length") == "0"


def streaming_app(chunks, headers=()):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def test_streamed_without_length_is_chunked():
    with start(streaming_app([b"one ", bytearray(b"two "), memoryview(b"three")])) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.chunked and resp.header("content-length") is None
    assert resp.body == b"one two three"


def test_streamed_with_length_is_not_chunked():
    with start(streaming_app([b"ab", b"cd"], headers=[(b"content-length", b"4")])) as server:
        resp = raw(server, request("GET", "/"))
    assert not resp.chunked and resp.header("content-length") == "4" and resp.body == b"abcd"


def test_app_transfer_encoding_is_ignored():
    with start(text_reply_app(b"body", headers=[(b"transfer-encoding", b"gzip")])) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.header("transfer-encoding") is None and resp.body == b"body"


def test_streamed_to_http_10_is_delimited_by_close():
    with start(streaming_app([b"a", b"b"])) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(b"GET / HTTP/1.0\r\n\r\n")
        resp = conn.read_response()
    assert not resp.chunked and resp.body == b"ab"


def test_head_gets_the_headers_without_the_body():
    with start(text_reply_app(b"Hello, World!")) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(request("HEAD", "/"))
        resp = conn.read_response(head_request=True)
        assert resp.status == 200 and resp.header("content-length") == "13"
        # Nothing follows the head: the next response parses right after it.
        conn.send(request("GET", "/"))
        assert conn.read_response().body == b"Hello, World!"


def test_repeated_response_headers_kept_in_order():
    headers = [(b"set-cookie", b"a=1"), (b"x-y", b"z"), (b"set-cookie", b"b=2")]
    with start(text_reply_app(b"ok", headers=headers)) as server:
        resp = raw(server, request("GET", "/"))
    assert resp.header_all("set-cookie") == ["a=1", "b=2"]


def test_app_server_header_wins():
    with start(text_reply_app(b"ok", headers=[(b"server", b"mine")])) as server:
        assert raw(server, request("GET", "/")).header_all("server") == ["mine"]
    with start(text_reply_app(b"ok"), server_header=None) as server:
        assert raw(server, request("GET", "/")).header("server") is None


def misuse_app(steps, outcome):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            for message in steps:
                await send(message)
        except Exception as exc:
            outcome.append(exc)
            raise

    return app


START = {"type": "http.response.start", "status": 200, "headers": []}
BODY = {"type": "http.response.body", "body": b"x"}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([START, BODY, BODY], "after response already completed"),
        ([START, START], "after response already started"),
        ([BODY], "Expected ASGI message 'http.response.start'"),
        ([{"type": "http.response.start", "status": 200, "headers": [(b"x", b"bad\r\nvalue")]}], "invalid header value"),
        ([{"type": "http.response.start", "status": 200, "headers": [("str", "not bytes")]}], "expected bytes"),
        ([{"type": "http.response.start", "status": 1000}], "invalid HTTP status"),
        ([START, {"type": "http.response.unknown"}], "Expected ASGI message 'http.response.body'"),
    ],
    ids=[
        "send-after-complete",
        "start-twice",
        "body-before-start",
        "bad-header-value",
        "str-header",
        "bad-status",
        "unknown-type",
    ],
)
def test_misuse_raises_in_the_app(steps, message, caplog):
    outcome = []
    with start(misuse_app(steps, outcome)) as server, caplog.at_level(logging.ERROR, "pyo3_hyper"):
        resp = raw(server, request("GET", "/"))
    assert message in str(outcome[0])
    if steps[-1] is BODY and len(steps) == 3:
        # The first response went out whole; the misuse came after it.
        assert resp.status == 200 and resp.body == b"x"
    else:
        assert resp.status == 500 and resp.header("connection") == "close"
    assert "Exception in ASGI application" in caplog.text


def test_exception_before_start_is_500(caplog):
    async def app(scope, receive, send):
        if scope["type"] == "http":
            raise ValueError("boom")

    with start(app) as server, caplog.at_level(logging.ERROR, "pyo3_hyper"):
        resp = raw(server, request("GET", "/"))
    assert resp.status == 500 and resp.body == b"Internal Server Error"
    assert "boom" in caplog.text


def test_returning_without_a_response_is_500(caplog):
    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send(START)

    with start(app) as server, caplog.at_level(logging.ERROR, "pyo3_hyper"):
        assert raw(server, request("GET", "/")).status == 500
    assert "without completing the response" in caplog.text


def test_exception_mid_stream_cuts_the_connection():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send(START)
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("mid-stream")

    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(request("GET", "/"))
        # The chunked body never ends (hyper may not even flush what it had):
        # the connection closes, so the client cannot take the truncated
        # body for the whole one.
        with pytest.raises(ConnectionClosed):
            conn.read_response()


def test_client_disconnect_is_not_logged(caplog):
    done = threading.Event()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            await send(START)
            while True:
                await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
        finally:
            done.set()

    with start(app) as server, caplog.at_level(logging.ERROR, "pyo3_hyper"):
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.sendall(request("GET", "/"))
        conn.recv(1000)
        conn.close()
        assert done.wait(10)
        time.sleep(0.1)
    assert "Exception in ASGI application" not in caplog.text


def test_slow_reader_holds_the_app_back():
    """Backpressure: a client that does not read makes send() wait, so the
    server does not buffer the stream."""
    sent = [0]

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send(START)
        chunk = b"x" * (1024 * 1024)
        try:
            for _ in range(1024):  # 1 GiB if nothing held it back
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent[0] += len(chunk)
        except OSError:
            pass

    with start(app) as server:
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        conn.sendall(request("GET", "/"))
        conn.recv(100)
        time.sleep(1.0)
        stalled_at = sent[0]
        conn.close()
    # Socket buffers both ways and the server's queue: a few MiB, not the stream.
    assert stalled_at < 32 * 1024 * 1024


def test_concurrent_requests_interleave():
    """One slow request does not hold up the others (one task each)."""
    release = asyncio.Event()
    loop_holder = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        loop_holder.append(asyncio.get_running_loop())
        if scope["path"] == "/slow":
            await release.wait()
        await text_reply(scope["path"].encode())(send)

    with start(app) as server:
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.sendall(request("GET", "/slow"))
        assert httpx.get(server.url + "/fast").text == "/fast"
        loop_holder[0].call_soon_threadsafe(release.set)
        assert b"/slow" in conn.recv(1000)
        conn.close()


# --- lifespan -----------------------------------------------------------------------------------


def lifespan_app(events, *, fail_with=None, raise_in_startup=False):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            message = await receive()
            events.append(message["type"])
            if raise_in_startup:
                raise RuntimeError("no lifespan here")
            if fail_with is not None:
                await send({"type": "lifespan.startup.failed", "message": fail_with})
                return
            scope["state"]["pool"] = "ready"
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            events.append(message["type"])
            await send({"type": "lifespan.shutdown.complete"})
            return
        events.append(("request", scope["state"].get("pool")))
        await text_reply(b"ok")(send)

    return app


def test_lifespan_startup_then_requests_then_shutdown():
    events = []
    with start(lifespan_app(events)) as server:
        assert httpx.get(server.url).status_code == 200
    assert events == ["lifespan.startup", ("request", "ready"), "lifespan.shutdown"]


def test_failed_startup_stops_with_the_apps_message():
    events = []
    with pytest.raises(LifespanFailed, match="database unreachable"):
        start(lifespan_app(events, fail_with="database unreachable"))
    assert events == ["lifespan.startup"]


def test_app_without_lifespan_is_served_in_auto_mode():
    events = []
    with start(lifespan_app(events, raise_in_startup=True)) as server:
        assert httpx.get(server.url).status_code == 200


def test_lifespan_on_makes_an_error_fatal():
    with pytest.raises(LifespanFailed, match="no lifespan here"):
        start(lifespan_app([], raise_in_startup=True), lifespan="on")


def test_lifespan_off_sends_nothing():
    events = []
    with start(lifespan_app(events), lifespan="off") as server:
        assert httpx.get(server.url).status_code == 200
    assert events == [("request", None)]


def test_app_that_returns_from_lifespan_is_served():
    # servers/uvicorn/app.py's way: `if scope["type"] != "http": return`
    with start(text_reply_app(b"ok")) as server:
        assert httpx.get(server.url).text == "ok"


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_task_factory_the_app_sets_makes_the_request_tasks(loop):
    """The server makes request tasks itself (named, without the loop's
    create_task), except when the app set a task factory at startup."""
    pytest.importorskip(loop)
    made = []

    def factory(event_loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=event_loop, **kwargs)
        made.append(task)
        return task

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            asyncio.get_running_loop().set_task_factory(factory)
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        mine = asyncio.current_task() in made
        await text_reply(b"factory" if mine else b"not the factory's")(send)

    with start(app, loop=loop) as server:
        assert httpx.get(server.url + "/", timeout=10).text == "factory"


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_request_tasks_are_tasks_of_the_servers_loop(loop):
    pytest.importorskip(loop)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        task = asyncio.current_task()
        right = task is not None and task.get_loop() is asyncio.get_running_loop()
        await text_reply(f"{right} {task.get_name() if task else None}".encode())(send)

    with start(app, loop=loop) as server:
        assert httpx.get(server.url + "/", timeout=10).text == "True pyo3-hyper-handler"
