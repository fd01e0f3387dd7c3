"""API v1 on pyo3-hyper. `--native` serves /plaintext and /json from Rust
(static body, native JSON) and the database routes from Rust (tokio-postgres,
askama); users and echo always run Python handlers. Without it the database
routes are Python handlers too (asyncpg, jinja2: postgres.py).

The handlers are `async def`: none blocks, and an `async def` that does not
suspend is answered on the tokio thread that read the request (the fast path
of pyo3_hyper's hand-off); a plain `def` would go to the blocking pool."""

from __future__ import annotations

import argparse
from pathlib import Path

import arena_api as api
import pyo3_hyper
from pyo3_hyper import HTTPError, Request, Response


def build(native: bool) -> pyo3_hyper.App:
    app = pyo3_hyper.App(server_name="pyo3-hyper-native" if native else "pyo3-hyper", body_limit=api.BODY_LIMIT)
    if native:
        app.static("/plaintext", api.PLAINTEXT, content_type=api.TEXT_CONTENT_TYPE)
        app.static_json("/json", api.message())
        app.arena_database()
    else:
        import postgres

        postgres.register(app, Path(__file__).parent)

        @app.get("/plaintext")
        async def plaintext(request: Request) -> Response:
            return Response(api.PLAINTEXT, content_type=api.TEXT_CONTENT_TYPE)

        @app.get("/json")
        async def json_(request: Request) -> dict:
            return api.message()

    # {id:int}: non-digits and u64 overflow are answered 400 in Rust.
    @app.get("/users/{id:int}")
    async def user(request: Request) -> dict:
        uid = request.path_params["id"]
        if not api.user_in_range(uid):
            raise HTTPError(404)
        return api.user(uid)

    # body="json": 415 and 400 are answered in Rust before this runs.
    @app.post("/echo", body="json")
    async def echo(request: Request) -> Response:
        # request.json() builds what api.echo_value builds and Response.json writes what
        # api.to_json writes, both in Rust (tests/pyo3_hyper/test_json.py); the body is
        # already known to be one UTF-8 JSON document (body="json").
        return Response.json(request.json())

    return app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--native", action="store_true")
    args = p.parse_args()
    pyo3_hyper.serve(build(args.native), host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
