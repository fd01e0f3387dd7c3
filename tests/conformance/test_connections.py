"""Connection handling on raw sockets: keep-alive, pipelining, close."""

from __future__ import annotations

import json

from tests.support.rawhttp import RawConnection, request

from .contract import PLAINTEXT, user


def test_connection_reused_for_many_requests(server):
    with RawConnection(server.host, server.port) as conn:
        for uid in range(1, 101):
            conn.send(request("GET", f"/users/{uid}"))
            resp = conn.read_response()
            assert resp.status == 200
            assert json.loads(resp.body) == user(uid)
        assert not conn.closed_by_peer(timeout=0.2)


def test_pipelined_requests_answered_in_order(server):
    """16 requests in one write, as TechEmpower's plaintext test sends them."""
    ids = [3, 1, 4, 15, 9, 2, 6, 5, 35, 8, 97, 93, 23, 84, 62, 64]
    batch = b"".join(request("GET", f"/users/{uid}") for uid in ids)
    with RawConnection(server.host, server.port) as conn:
        conn.send(batch)
        bodies = [json.loads(conn.read_response().body) for _ in ids]
    assert [b["id"] for b in bodies] == ids


def test_pipelined_mixed_requests_including_a_body(server):
    batch = (
        request("GET", "/plaintext")
        + request("POST", "/echo", headers={"Content-Type": "application/json"}, body=b'{"n":1}')
        + request("GET", "/nope")
        + request("POST", "/echo", headers={"Content-Type": "application/json"}, body=b"[2]")
        + request("GET", "/plaintext")
    )
    with RawConnection(server.host, server.port) as conn:
        conn.send(batch)
        got = [conn.read_response() for _ in range(5)]
    assert [r.status for r in got] == [200, 200, 404, 200, 200]
    assert [got[0].body, got[1].body, got[3].body, got[4].body] == [PLAINTEXT, b'{"n":1}', b"[2]", PLAINTEXT]


def test_connection_close_is_honoured(server):
    with RawConnection(server.host, server.port) as conn:
        conn.send(request("GET", "/plaintext", headers={"Connection": "close"}))
        resp = conn.read_response()
        assert resp.status == 200 and resp.body == PLAINTEXT
        assert conn.closed_by_peer(timeout=2.0)


def test_http10_without_keep_alive_is_closed(server):
    with RawConnection(server.host, server.port) as conn:
        conn.send(request("GET", "/plaintext", version="HTTP/1.0"))
        resp = conn.read_response()
        assert resp.status == 200 and resp.body == PLAINTEXT
        assert conn.closed_by_peer(timeout=2.0)


def test_http11_connection_persists_by_default(server):
    with RawConnection(server.host, server.port) as conn:
        conn.send(request("GET", "/json"))
        assert conn.read_response().status == 200
        assert not conn.closed_by_peer(timeout=0.5)
        conn.send(request("GET", "/json"))
        assert conn.read_response().status == 200
