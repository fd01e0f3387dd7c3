"""Every endpoint of API v1, happy paths and error cases."""

from __future__ import annotations

import json

import pytest

from .contract import ERROR_CODES, MESSAGE, PLAINTEXT, ROUTES, media_type, ordered, user


def assert_error(resp, status: int) -> None:
    assert resp.status_code == status, resp.text
    assert media_type(resp.headers.get("content-type")) == "application/json"
    assert resp.json() == {"error": ERROR_CODES[status]}


def test_plaintext(client):
    resp = client.get("/plaintext")
    assert resp.status_code == 200
    assert media_type(resp.headers["content-type"]) == "text/plain"
    ct_params = resp.headers["content-type"].split(";")[1:]
    assert all(p.strip().lower() == "charset=utf-8" for p in ct_params)
    assert resp.content == PLAINTEXT


def test_json(client):
    resp = client.get("/json")
    assert resp.status_code == 200
    assert media_type(resp.headers["content-type"]) == "application/json"
    assert resp.content == json.dumps(MESSAGE, separators=(",", ":")).encode()


@pytest.mark.parametrize("uid", [1, 2, 7, 42, 999_999, 1_000_000])
def test_user(client, uid):
    resp = client.get(f"/users/{uid}")
    assert resp.status_code == 200
    assert media_type(resp.headers["content-type"]) == "application/json"
    assert resp.json() == user(uid)
    # Key order is part of the contract.
    assert [k for k, _ in ordered(resp.content)[1]] == ["id", "name", "email", "active", "score"]


def test_user_leading_zeros_are_decimal(client):
    resp = client.get("/users/007")
    assert resp.status_code == 200
    assert resp.json() == user(7)


@pytest.mark.parametrize("segment", ["abc", "+5", "-5", "1.5", "1e3", "0x10", "18446744073709551616", "12a", "%20"])
def test_user_not_decimal_is_400(client, segment):
    assert_error(client.get(f"/users/{segment}"), 400)


@pytest.mark.parametrize("segment", ["0", "1000001", "18446744073709551615", "0000"])
def test_user_out_of_range_is_404(client, segment):
    assert_error(client.get(f"/users/{segment}"), 404)


@pytest.mark.parametrize("path", ["/", "/nope", "/users", "/users/", "/users/1/extra", "/plaintext/extra", "/JSON", "/echo/1"])
def test_unknown_path_is_404(client, path):
    assert_error(client.get(path), 404)


@pytest.mark.parametrize(
    "path,method", [(p, m) for p, allowed in ROUTES.items() for m in ("GET", "POST", "PUT", "DELETE", "PATCH") if m != allowed]
)
def test_wrong_method_is_405_with_allow(client, path, method):
    resp = client.request(method, path)
    assert_error(resp, 405)
    allowed = {m.strip().upper() for m in resp.headers.get("allow", "").split(",") if m.strip()}
    assert ROUTES[path] in allowed
    assert method not in allowed


def test_query_string_is_ignored(client):
    assert client.get("/plaintext?x=1&y=2").content == PLAINTEXT
    assert client.get("/users/3?verbose=true").json() == user(3)
