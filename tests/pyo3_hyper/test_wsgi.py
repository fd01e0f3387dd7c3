"""pyo3_hyper's WSGI interface: a real Flask app, and PEP 3333's edges
with plain WSGI callables (the environ, wsgi.input, start_response with
exc_info, the write() callable, close(), streaming, a blocking app)."""

from __future__ import annotations

import threading
import time

import httpx
import pyo3_hyper
import pytest

flask = pytest.importorskip("flask")

from flask import Flask, Response, jsonify, request, stream_with_context  # noqa: E402

from tests.support.rawhttp import ConnectionClosed, RawConnection  # noqa: E402
from tests.support.rawhttp import request as raw_request  # noqa: E402


def start(app, **options):
    return pyo3_hyper.start(app, port=0, workers=1, shutdown_timeout=1.0, **options)


def build_flask() -> Flask:
    app = Flask(__name__)

    @app.get("/hello/<name>")
    def hello(name):
        return {"hello": name, "q": request.args.get("q")}

    @app.post("/json")
    def echo_json():
        return jsonify(request.get_json())

    @app.post("/form")
    def form():
        upload = request.files.get("file")
        return {"field": request.form.get("field"), "file": upload.read().decode() if upload else None}

    @app.get("/stream")
    def stream():
        def lines():
            for i in range(3):
                yield f"line {i} {request.path}\n"

        return Response(stream_with_context(lines()), mimetype="text/plain")

    @app.get("/boom")
    def boom():
        raise RuntimeError("flask handler failure")

    @app.get("/slow")
    def slow():
        time.sleep(0.5)
        return "slow"

    return app


@pytest.fixture
def flask_server():
    with start(build_flask()) as server:
        yield server


def test_flask_is_found_to_be_wsgi():
    assert pyo3_hyper.interface_of(build_flask()) == "wsgi"


def test_flask_routes_and_json(flask_server):
    with httpx.Client(base_url=flask_server.url) as client:
        resp = client.get("/hello/w%C3%B6rld", params={"q": "1"})
        assert resp.json() == {"hello": "wörld", "q": "1"}
        assert resp.headers["content-length"] == str(len(resp.content))
        assert client.post("/json", json={"a": [1, 2]}).json() == {"a": [1, 2]}
        assert client.get("/missing").status_code == 404
        assert client.post("/hello/x").status_code == 405


def test_flask_form_and_upload(flask_server):
    resp = httpx.post(flask_server.url + "/form", data={"field": "v"}, files={"file": ("a.txt", b"contents")})
    assert resp.json() == {"field": "v", "file": "contents"}


def test_flask_streaming_is_chunked(flask_server):
    with RawConnection("127.0.0.1", flask_server.port) as conn:
        conn.send(raw_request("GET", "/stream"))
        resp = conn.read_response()
    assert resp.chunked and resp.body == b"line 0 /stream\nline 1 /stream\nline 2 /stream\n"


def test_flask_exception_is_500(flask_server):
    assert httpx.get(flask_server.url + "/boom").status_code == 500


def test_a_blocking_app_does_not_stall_the_others(flask_server):
    results = {}

    def slow():
        results["slow"] = httpx.get(flask_server.url + "/slow", timeout=10).text

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    # The slow request holds one pool thread; this one gets another.
    assert httpx.get(flask_server.url + "/hello/x").status_code == 200
    assert "slow" not in results
    thread.join()
    assert results["slow"] == "slow"


# --- PEP 3333 with plain callables ---------------------------------------------------------------


def environ_app(seen):
    def app(environ, start_response):
        seen.append(environ)
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def test_environ():
    seen = []
    with start(environ_app(seen), root_path="/mount") as server, RawConnection("127.0.0.1", server.port) as conn:
        wire = (
            b"POST /mount/a%20b/caf%C3%A9?x=1&y=%20 HTTP/1.1\r\nHost: example.test:81\r\n"
            b"Content-Type: text/x\r\nContent-Length: 4\r\nX-Dup: 1\r\nX-Dup: 2\r\nX-Latin: caf\xe9\r\n\r\nbody"
        )
        conn.send(wire)
        assert conn.read_response().body == b"body"
    env = seen[0]
    assert env["REQUEST_METHOD"] == "POST"
    assert env["SCRIPT_NAME"] == "/mount"
    # PEP 3333: PATH_INFO is the decoded bytes as latin-1 (so "é" is two code points)
    assert env["PATH_INFO"] == "/a b/caf\xc3\xa9"
    assert env["PATH_INFO"].encode("latin-1").decode("utf-8") == "/a b/café"
    assert env["QUERY_STRING"] == "x=1&y=%20"
    assert env["CONTENT_TYPE"] == "text/x" and env["CONTENT_LENGTH"] == "4"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    assert env["HTTP_HOST"] == "example.test:81"
    assert env["HTTP_X_DUP"] == "1,2"
    assert env["HTTP_X_LATIN"] == "caf\xe9"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["SERVER_NAME"] == "127.0.0.1" and env["SERVER_PORT"] == str(server.port)
    assert env["REMOTE_ADDR"] == "127.0.0.1" and env["REMOTE_PORT"].isdigit()
    assert env["wsgi.version"] == (1, 0) and env["wsgi.url_scheme"] == "http"
    assert env["wsgi.multithread"] is True and env["wsgi.multiprocess"] is False and env["wsgi.run_once"] is False
    assert env["wsgi.input_terminated"] is True
    assert all(isinstance(k, str) and (not isinstance(v, str) or all(ord(c) < 256 for c in v)) for k, v in env.items())


def test_input_read_readline_and_iteration():
    got = {}

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        got["first"] = stream.readline()
        got["limited"] = stream.readline(3)
        got["some"] = stream.read(4)
        got["rest"] = list(stream)
        got["eof"] = stream.read()
        start_response("204 No Content", [])
        return []

    with start(app) as server:

        def chunks():
            yield b"line one\nlin"
            yield b"e two\nthree\nfour"

        assert httpx.post(server.url, content=chunks()).status_code == 204
    assert got == {"first": b"line one\n", "limited": b"lin", "some": b"e tw", "rest": [b"o\n", b"three\n", b"four"], "eof": b""}


def test_large_body_through_wsgi_input():
    sizes = []

    def app(environ, start_response):
        total = 0
        while chunk := environ["wsgi.input"].read(65536):
            total += len(chunk)
        sizes.append(total)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    with start(app) as server:
        assert httpx.post(server.url, content=b"q" * (5 * 1024 * 1024), timeout=30).status_code == 200
    assert sizes == [5 * 1024 * 1024]


def test_write_callable_and_close():
    closed = []

    class Body:
        def __iter__(self):
            yield b"-iterable"

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written")
        return Body()

    with start(app) as server:
        assert httpx.get(server.url).text == "written-iterable"
    assert closed == [True]


def test_exc_info_replaces_the_head_before_it_is_sent():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("late failure")
        except ValueError:
            import sys

            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"error page"]

    with start(app) as server:
        resp = httpx.get(server.url)
    assert (resp.status_code, resp.text) == (500, "error page")


def test_start_response_twice_without_exc_info_is_500():
    def app(environ, start_response):
        start_response("200 OK", [])
        start_response("201 Created", [])
        return [b"never"]

    with start(app) as server:
        assert httpx.get(server.url).status_code == 500


def test_length_given_streams_without_chunking():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "6")])
        return iter([b"abc", b"def"])

    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(raw_request("GET", "/"))
        resp = conn.read_response()
    assert not resp.chunked and resp.body == b"abcdef"


def test_exception_mid_stream_cuts_the_connection():
    def app(environ, start_response):
        start_response("200 OK", [])

        def body():
            yield b"partial"
            raise RuntimeError("mid-stream")

        return body()

    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(raw_request("GET", "/"))
        with pytest.raises(ConnectionClosed):
            conn.read_response()


def test_head_request_has_no_body():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "5"), ("Content-Type", "text/plain")])
        return [b"hello"]

    with start(app) as server, RawConnection("127.0.0.1", server.port) as conn:
        conn.send(raw_request("HEAD", "/"))
        resp = conn.read_response(head_request=True)
        assert resp.header("content-length") == "5"
        conn.send(raw_request("GET", "/"))
        assert conn.read_response().body == b"hello"
