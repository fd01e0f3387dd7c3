"""API v1 on uvicorn (ASGI) with uvloop and httptools; the rules come from arena_api (python/arena-api)."""

from __future__ import annotations

import asyncio
import os

import arena_api as api
from arena_api.pg import Database

# The same app runs on uvicorn, granian-asgi and pyo3-hyper-asgi; each
# answers with its own manifest name (their [run] env sets it).
SERVER = (b"server", os.environ.get("ARENA_SERVER_NAME", "uvicorn").encode())
# This worker process's connections to PostgreSQL, opened on first use on its loop.
DATABASE = Database()


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up
        return
    fields = scope["headers"]
    # The target as parsed (raw path and query): httptools bounds neither it nor
    # the head, so the contract's sizes are enforced here, after the fact.
    query = scope["query_string"]
    target_len = len(scope["raw_path"]) + (len(query) + 1 if query else 0)
    reply = api.check_head(scope["http_version"], scope["method"], target_len, fields)
    if reply is None:
        content_type = content_length = None
        for name, value in fields:
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value.decode("latin-1")
        reply = api.dispatch(scope["method"], scope["path"], content_type, content_length)
    if isinstance(reply, api.NeedDatabase):
        reply = await DATABASE.reply(reply.path, query)
    elif isinstance(reply, api.NeedBody):
        try:
            reply = await asyncio.wait_for(_echo(receive), api.BODY_READ_TIMEOUT_S)
        except TimeoutError:
            reply = api.body_timed_out()
    headers = [SERVER, (b"content-type", reply.content_type.encode()), (b"content-length", str(len(reply.body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _echo(receive) -> api.Reply:
    """Reads the (possibly chunked) body only up to the limit."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return api.error(400)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > api.BODY_LIMIT:
            return api.too_large()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return api.echo_reply(b"".join(chunks))


def main() -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    args = api.server_args(__doc__)
    config = uvicorn.Config(
        "app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        server_header=False,
        date_header=True,
        backlog=4096,
        interface="asgi3",
    )
    # Always the supervisor, also for one worker, so --workers N+1 adds exactly one process.
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()


if __name__ == "__main__":
    main()
