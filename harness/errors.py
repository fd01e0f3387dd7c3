"""Harness errors: each names the server, the step and where to look."""

from __future__ import annotations

from pathlib import Path


class HarnessError(Exception):
    """A failure of one step for one server, pointing at its log file."""

    def __init__(self, server: str, step: str, message: str, log: Path | None = None, tail: str = ""):
        self.server, self.step, self.log, self.tail = server, step, log, tail
        where = f" (log: {log})" if log else ""
        text = f"[{server}] {step} failed: {message}{where}"
        if tail:
            text += "\n--- last lines of the log ---\n" + tail
        super().__init__(text)


class ManifestError(Exception):
    """A server.toml that cannot be used; says which file and which field."""

    def __init__(self, path: Path, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
