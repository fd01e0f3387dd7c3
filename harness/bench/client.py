"""The load generator's side of a bench: on this machine (`LocalClient`) or on another host reached
with ssh (`RemoteClient`). Both run wrk/oha pinned to the client CPUs and measure it where it runs:
its CPU time (rusage of the process and its threads) and the steal of the client CPUs over its
window; both leave the tool's command line, stdout, stderr and summary in the run's raw/."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from .. import tools
from ..hosts import Host, HostError, HostInfo, Probe, Shell, Workdir, probe, run_timed
from ..tools import OHA_VERSION, Tools
from . import measure
from .measure import ToolRun

# Base-system programs the remote side runs besides the load generators.
REMOTE_PROGRAMS = {"taskset": "util-linux", "timeout": "coreutils", "tar": "tar"}


class LocalClient:
    """wrk/oha as children of the harness, on this machine."""

    def __init__(self, found: Tools, info: HostInfo | None = None):
        self.tools = found
        self.host = Host()
        self._info = info

    @property
    def info(self) -> HostInfo:
        if self._info is None:
            with Shell(self.host) as shell:
                self._info = probe(shell).info
        return self._info

    def path(self, local: Path) -> str:
        """A harness file (wrk.lua, a request body) as the load generator names it."""
        return str(local)

    def output(self, local: Path) -> str:
        """Where the load generator writes the summary that the harness keeps at `local`."""
        return str(local)

    def run_tool(
        self,
        cmd: list[str],
        *,
        cpus: set[int] | None,
        timeout_s: float,
        env: dict[str, str] | None,
        stdout_path: Path,
        stderr_path: Path,
        output: Path,
    ) -> ToolRun:
        watched = cpus or set(os.sched_getaffinity(0))
        before = measure.cpu_jiffies(watched)
        run = measure.run_pinned(cmd, cpus=cpus, timeout_s=timeout_s, env=env, stdout_path=stdout_path, stderr_path=stderr_path)
        run.steal = (before, measure.cpu_jiffies(watched))
        return run

    def describe_command(self, cmd: list[str]) -> str:
        return ""

    def close(self) -> None:
        pass


class RemoteClient:
    """wrk/oha on another host, through `ssh HOST -- sh -c ...` (harness.hosts.run_timed): pinned
    with taskset there, bounded with timeout there, measured there."""

    def __init__(self, shell: Shell, found: Tools, info: HostInfo):
        self.shell = shell
        self.host = shell.host
        self.tools = found
        self.info = info
        self.workdir = Workdir(shell)

    def path(self, local: Path) -> str:
        return self.workdir.put(local)

    def output(self, local: Path) -> str:
        # Relative: the command runs in its own directory there, which comes back whole.
        return local.name

    def run_tool(
        self,
        cmd: list[str],
        *,
        cpus: set[int] | None,
        timeout_s: float,
        env: dict[str, str] | None,
        stdout_path: Path,
        stderr_path: Path,
        output: Path,
    ) -> ToolRun:
        timed = run_timed(self.shell, self.workdir.path, output.stem, cmd, cpus=cpus, timeout_s=timeout_s, env=env or {})
        stdout_path.parent.mkdir(parents=True, exist_ok=True)
        stdout_path.write_bytes(timed.stdout)
        stderr_path.write_bytes(timed.stderr)
        summary = timed.files.get(output.name)
        if summary is not None:
            output.write_bytes(summary)
        cpu_set = cpus or set(self.info["cpus_usable"])
        return ToolRun(
            cmd,
            timed.returncode,
            timed.wall_s,
            timed.cpu_s,
            timed.stdout.decode(errors="replace"),
            timed.stderr.decode(errors="replace"),
            timed.timed_out,
            steal=(measure.jiffies_in(timed.stat_before, cpu_set), measure.jiffies_in(timed.stat_after, cpu_set)),
        )

    def describe_command(self, cmd: list[str]) -> str:
        return f"# on {self.host.name}, in a temporary directory, pinned with taskset and bounded with timeout\n"

    def close(self) -> None:
        try:
            self.workdir.close()
        finally:
            self.shell.close()


Client = LocalClient | RemoteClient


def remote_tools(found: Probe, need: tuple[str, ...]) -> Tools:
    """The load generators as `probe` found them on another host: present, and oha at the pinned
    version; otherwise HostError naming the host and what to install there (nothing is installed
    on another host by the harness)."""
    host = found.info["host"]
    missing = [f"{prog} ({pkg})" for prog, pkg in REMOTE_PROGRAMS.items() if not found.paths.get(prog)]
    if "wrk" in need and not found.paths.get("wrk"):
        missing.append("wrk (Debian: `apt-get install wrk`)")
    oha_version = tools.version_in(found.version_text.get("oha", ""), tools.OHA_VERSION_PATTERN)
    if "oha" in need and (not found.paths.get("oha") or oha_version != OHA_VERSION):
        seen = f", found {oha_version} at {found.paths['oha']}" if found.paths.get("oha") else ""
        missing.append(
            f"oha {OHA_VERSION} on PATH or in ~/.cargo/bin{seen} (`cargo install --locked oha --version {OHA_VERSION} "
            "--no-default-features --features native-tls`)"
        )
    if missing:
        raise HostError(f"the client host {host} lacks: {'; '.join(missing)}. Install them there and retry")
    versions = {
        "wrk": tools.version_in(found.version_text.get("wrk", ""), tools.WRK_VERSION) if "wrk" in need else "not used",
        "oha": oha_version if "oha" in need else "not used",
    }
    return Tools(
        wrk=found.paths["wrk"] if "wrk" in need else None,
        oha=found.paths["oha"] if "oha" in need else None,
        found_versions=versions,
    )


def connect(host: Host, need: tuple[str, ...]) -> Client:
    """The client side of a run on `host`: its tools checked (locally, installation is `nox -s
    build`'s job; remotely, HostError names what is missing)."""
    if host.is_local:
        return LocalClient(tools.ensure(install=False, need=need))
    shell = Shell(host)
    try:
        shell.open()
        found = probe(shell)
        return RemoteClient(shell, remote_tools(found, need), found.info)
    except BaseException:
        shell.close()
        raise


def run_load_generator(
    tool: str,
    cmd: list[str],
    *,
    output: Path,
    missing: str,
    out_dir: Path,
    name: str,
    cpus: set[int] | None,
    timeout_s: float,
    env: dict[str, str] | None = None,
    client: Client,
) -> tuple[str, ToolRun]:
    """Runs a load generator on `client`'s host that writes its summary to `output` (kept here),
    keeping its command line, stdout and stderr beside it as NAME.TOOL.{cmd,stdout,stderr}; returns
    the summary's text. Raises RuntimeError, saying what is `missing`, when the tool fails or writes
    no summary."""
    output.unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    environment = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
    (out_dir / f"{name}.{tool}.cmd").write_text(client.describe_command(cmd) + environment + shlex.join(cmd) + "\n")
    run = client.run_tool(
        cmd,
        cpus=cpus,
        timeout_s=timeout_s,
        env=env,
        stdout_path=out_dir / f"{name}.{tool}.stdout",
        stderr_path=out_dir / f"{name}.{tool}.stderr",
        output=output,
    )
    if run.returncode != 0 or not output.exists():
        raise RuntimeError(f"{tool} exited {run.returncode} without {missing}: {run.stderr.strip()[-500:] or run.stdout[-500:]}")
    return output.read_text(), run
