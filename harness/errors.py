"""The harness's errors: one base, `ArenaError`, whose `line` is what a person reads. The CLI
(`python -m harness`) turns any of them into that one line on stderr and exit status 2;
nothing below the CLI exits the process itself."""

from __future__ import annotations

from pathlib import Path


class ArenaError(Exception):
    """Something the person running the harness must fix: a bad input, a missing tool, a
    server that failed a step. `line` names what failed and where to look."""

    @property
    def line(self) -> str:
        return str(self).splitlines()[0] if str(self) else type(self).__name__


class HarnessError(ArenaError):
    """A failure of one step for one server, pointing at its log file."""

    def __init__(self, server: str, step: str, message: str, log: Path | None = None, tail: str = ""):
        self.server, self.step, self.log, self.tail = server, step, log, tail
        where = f" (log: {log})" if log else ""
        self.summary = f"[{server}] {step} failed: {message}{where}"
        text = self.summary
        if tail:
            text += "\n--- last lines of the log ---\n" + tail
        super().__init__(text)

    @property
    def line(self) -> str:
        return self.summary


class ManifestError(ArenaError):
    """A server.toml that cannot be used; says which file and which field."""

    def __init__(self, path: Path, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


class ScenarioError(ArenaError):
    """A scenarios file (bench/scenarios.toml) that cannot be used; says where."""

    def __init__(self, path: Path, where: str, problem: str):
        super().__init__(f"{path}: {where}: {problem}")


class ToolError(ArenaError):
    """A tool the harness needs (cargo, wrk, oha) is missing or failed to install; says what to do."""


class SelectionError(ArenaError):
    """A name on the command line (server, scenario, profile) that does not exist."""


class ResultsError(ArenaError):
    """A saved run directory this harness cannot read."""


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
