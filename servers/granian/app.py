"""API v1 on granian's RSGI interface; the rules come from arena_api (python/arena-api)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import arena_api as api
from arena_api.pg import Database

HERE = Path(__file__).resolve().parent

SERVER = [("server", "granian")]
# This worker process's connections to PostgreSQL, opened on first use on its loop.
DATABASE = Database()


# RSGI names HTTP/1.0 "1"; arena_api takes ASGI's spelling.
VERSIONS = {"1": "1.0"}


async def app(scope, proto) -> None:
    headers = scope.headers
    query = scope.query_string
    target_len = len(scope.path) + (len(query) + 1 if query else 0)
    version = VERSIONS.get(scope.http_version, scope.http_version)
    decided = api.check_head(version, scope.method, target_len, headers.items())
    if decided is None:
        decided = api.dispatch(scope.method, scope.path, headers.get("content-type"), headers.get("content-length"))
    if isinstance(decided, api.NeedDatabase):
        decided = await DATABASE.reply(decided.path, query)
    elif isinstance(decided, api.NeedBody):
        try:
            decided = await asyncio.wait_for(_echo(proto), api.BODY_READ_TIMEOUT_S)
        except TimeoutError:
            decided = api.body_timed_out()
    reply = decided
    proto.response_bytes(reply.status, [*SERVER, ("content-type", reply.content_type), *reply.headers], reply.body)


async def _echo(proto) -> api.Reply:
    """Reads the (possibly chunked) body only up to the limit."""
    chunks, size, empty = [], 0, 0
    async for chunk in proto:
        if not chunk:
            empty += 1
            continue
        size += len(chunk)
        if size > api.BODY_LIMIT:
            return api.too_large()
        chunks.append(chunk)
    if empty > 1:
        # hyper never yields an empty data frame. granian's body iterator ends with
        # one empty chunk, and turns hyper's body error (broken chunked framing)
        # into another (src/rsgi/io.rs:169 of granian 2.8.7: `chunk.map_or(
        # Bytes::new(), ..)`), trailers too: without this check, the bytes before
        # the error would pass for the whole body.
        return api.refused(400)
    return api.echo_reply(b"".join(chunks))


def main() -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    args = api.server_args(__doc__)
    Granian(
        "app:app",
        address=args.host,
        port=args.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        http=HTTPModes.http1,
        # hyper's header read timeout (also while a keep-alive connection waits for
        # its next request) and read buffer (a head larger than it is answered 431).
        http1_settings=HTTP1Settings(header_read_timeout=10_000, max_buffer_size=16 * 1024),
        loop=Loops.uvloop,
        websockets=False,
        backlog=4096,
        log_access=False,
        working_dir=HERE,
    ).serve()


if __name__ == "__main__":
    main()
