"""The API v1 contract (docs/API.md) as data the tests check against."""

from __future__ import annotations

import json

PLAINTEXT = b"Hello, World!"
MESSAGE = {"message": "Hello, World!"}
BODY_LIMIT = 1024 * 1024
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}
# Path -> the one method it allows, for 405 and Allow.
ROUTES = {"/plaintext": "GET", "/json": "GET", "/users/1": "GET", "/echo": "POST"}


def user(uid: int) -> dict:
    return {
        "id": uid,
        "name": f"user-{uid}",
        "email": f"user-{uid}@example.com",
        "active": uid % 2 == 0,
        "score": (uid * 7919) % 1000,
    }


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def ordered(body: bytes) -> list | dict:
    """Parses JSON keeping object key order, so order can be compared."""
    return json.loads(body, object_pairs_hook=lambda pairs: ("__obj__", pairs))


def compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
