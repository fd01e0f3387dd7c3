"""`HTTPError`, written in Python so that it takes keywords (the limited API the compiled core
is built for cannot give an exception class its own fields). The core imports it, re-exports
it as `pyo3_hyper._core.HTTPError` and answers it (src/errors.rs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class HTTPError(Exception):
    """Raise in a handler to answer `status` with the JSON body `{"error": CODE}`, or
    `{"error": CODE, "detail": DETAIL}` when a detail is given; `headers` (a mapping or
    `(name, value)` pairs) are sent with it and replace the server's defaults. CODE is the
    API's code for its statuses (400 `bad_request`, 404 `not_found`, ...), else the reason
    phrase in snake case (418 `im_a_teapot`), else `http_NNN`."""

    __module__ = "pyo3_hyper"

    def __init__(
        self, status: int, detail: str | None = None, headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(status, detail)
        self._headers = headers

    # Read from args, so that a subclass calling `super().__init__(status, detail)` (or not
    # calling it at all) still answers.
    @property
    def status(self) -> int:
        status: int = self.args[0]
        return status

    @property
    def detail(self) -> str | None:
        detail: str | None = self.args[1] if len(self.args) > 1 else None
        return detail

    @property
    def headers(self) -> Mapping[str, str] | Iterable[tuple[str, str]] | None:
        headers: Any = getattr(self, "_headers", None)
        return headers
