"""Where a side of a bench runs: this machine, or another one reached with the ordinary OpenSSH
client (`ssh`, with the person's own keys, agent and ~/.ssh/config).

Nothing is installed on another host and no program of ours runs there: commands go through
`sh -c` over ssh, the files a load generator reads are written into a temporary directory there
and removed at the end, and what it measured comes back as a tar stream on ssh's stdout.
BatchMode is always on: a host that would ask for a password fails at once, naming itself, rather
than hanging a run. One multiplexed connection per host (ControlMaster) serves the whole run, so
its many short commands pay the SSH handshake once.
"""

from __future__ import annotations

import io
import os
import platform
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from .errors import ArenaError

SSH = "ssh"
CONNECT_TIMEOUT_S = 10
# Seconds a command that only looks at a host (probe, mkdir, rm) may take, the connection included.
QUICK_TIMEOUT_S = 30.0
LOCAL = "local"
# Seconds the master connection outlives its last command.
PERSIST_S = 120


class HostError(ArenaError):
    """A host that cannot be reached or lacks what the bench needs; names the host and what to do."""


class HostTimeout(HostError):
    """A command on a host that outlived its time."""


@dataclass(frozen=True)
class Host:
    """A machine by the name `ssh` takes (user@address, or a Host alias of ~/.ssh/config); None is
    this machine. `ssh_options` are extra `-o Key=Value` for this run (tests use them for a
    throw-away key); a person's settings belong in ~/.ssh/config."""

    destination: str | None = None
    ssh_options: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None, ssh_options: tuple[str, ...] = ()) -> Host:
        if text is None or text.strip() in ("", LOCAL):
            return cls()
        return cls(text.strip(), ssh_options)

    @property
    def is_local(self) -> bool:
        return self.destination is None

    @property
    def name(self) -> str:
        return self.destination or LOCAL


class Shell:
    """Runs commands on one host: directly on this machine, or through one ssh connection that
    stays open until `close()` (or the end of a `with` block)."""

    def __init__(self, host: Host):
        self.host = host
        self._control_dir: str | None = None

    def __enter__(self) -> Shell:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ssh_options(self, master: str) -> list[str]:
        assert self.host.destination is not None and self._control_dir is not None
        # ssh keeps the first value it is given for an option: the caller's options come first so
        # they can override these defaults.
        ours = (
            "BatchMode=yes",
            f"ConnectTimeout={CONNECT_TIMEOUT_S}",
            "ServerAliveInterval=15",
            f"ControlMaster={master}",
            f"ControlPath={self._control_dir}/%C",
        )
        return [arg for opt in (*self.host.ssh_options, *ours) for arg in ("-o", opt)]

    def open(self) -> None:
        """Connects (remote hosts): the master connection every later command of the run reuses."""
        if self.host.is_local or self._control_dir is not None:
            return
        if shutil.which(SSH) is None:
            raise HostError(f"`{SSH}` is not installed here; it is needed to reach {self.host.name} (Debian: openssh-client)")
        # Short: a unix socket path is limited to ~100 bytes.
        self._control_dir = tempfile.mkdtemp(prefix="arena-ssh-", dir="/tmp")
        # The master's stderr goes to a file, not a pipe: it lives on in the background, and a
        # pipe it holds open would never reach end of file.
        with tempfile.TemporaryFile() as err:
            # A harness killed before close() leaves no master behind for long: it ends after
            # PERSIST_S without a command.
            persist = f"ControlPersist={PERSIST_S}"
            argv = [SSH, *self._ssh_options("yes"), "-o", persist, "-f", "-N", self.host.destination or ""]
            try:
                rc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, timeout=60).returncode
            except subprocess.TimeoutExpired:
                rc = -1
            err.seek(0)
            message = err.read().decode(errors="replace").strip()
        if rc != 0:
            self.close()
            why = message[-400:] or f"exit {rc}"
            raise HostError(f"cannot reach {self.host.name} with ssh (BatchMode: keys or agent, no password): {why}")

    def close(self) -> None:
        if self._control_dir is None:
            return
        if self.host.destination is not None:
            # Ends the master this Shell started, through its own control socket.
            subprocess.run(
                [SSH, *self._ssh_options("no"), "-O", "exit", self.host.destination],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=QUICK_TIMEOUT_S,
                check=False,
            )
        shutil.rmtree(self._control_dir, ignore_errors=True)
        self._control_dir = None

    def argv(self, command: list[str]) -> list[str]:
        """The local command line that runs `command` on the host."""
        if self.host.is_local:
            return command
        self.open()
        assert self.host.destination is not None
        # ssh hands the remote side one string for its login shell: quote every word.
        return [SSH, *self._ssh_options("no"), self.host.destination, "--", shlex.join(command)]

    def run(
        self, command: list[str], *, input: bytes | None = None, timeout: float = QUICK_TIMEOUT_S
    ) -> subprocess.CompletedProcess[bytes]:
        """Runs `command` on the host; raises HostError when ssh itself fails (exit 255) or the
        command outlives `timeout`."""
        try:
            proc = subprocess.run(self.argv(command), input=input, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise HostTimeout(f"{self.host.name}: `{shlex.join(command)[:200]}` did not finish within {timeout:.0f} s") from exc
        if not self.host.is_local and proc.returncode == 255:
            raise HostError(f"ssh to {self.host.name} failed: {proc.stderr.decode(errors='replace').strip()[-400:]}")
        return proc

    def sh(
        self, script: str, *args: str, input: bytes | None = None, timeout: float = QUICK_TIMEOUT_S
    ) -> subprocess.CompletedProcess[bytes]:
        """Runs a POSIX shell snippet on the host; `args` are its "$1"...: never spliced into the text."""
        return self.run(["sh", "-c", script, "arena", *args], input=input, timeout=timeout)


# --- what a host is ----------------------------------------------------------------------------


class HostInfo(TypedDict):
    """A host as results.json records it: where it is and what it runs on."""

    host: str  # "local" or the ssh destination
    kernel: str
    cpu_model: str
    cpus_online: int
    cpus_usable: list[int]


def cpu_list(text: str) -> list[int]:
    """A kernel CPU list ("0-3,6") as CPU numbers."""
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return sorted(set(out))


_PROBE = r"""
echo "kernel=$(uname -r)"
echo "cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-)"
echo "cpus_online=$(getconf _NPROCESSORS_ONLN)"
echo "cpus_usable=$(grep '^Cpus_allowed_list' /proc/self/status | cut -f2)"
for t in taskset timeout tar wrk oha; do
    p=$(command -v "$t")
    if [ -z "$p" ] && [ -x "$HOME/.cargo/bin/$t" ]; then p="$HOME/.cargo/bin/$t"; fi
    echo "path.$t=$p"
done
p=$(command -v wrk) && echo "version.wrk=$("$p" -v 2>&1 | head -n 1)"
p=$(command -v oha || echo "$HOME/.cargo/bin/oha") && [ -x "$p" ] && echo "version.oha=$("$p" --version 2>&1 | head -n 1)"
exit 0
"""


@dataclass(frozen=True)
class Probe:
    info: HostInfo
    paths: dict[str, str]  # tool -> path on the host ("" when missing)
    version_text: dict[str, str]  # tool -> what it printed as its version


def probe(shell: Shell) -> Probe:
    """The host's kernel, CPU and tools, read there."""
    proc = shell.sh(_PROBE)
    fields: dict[str, str] = {}
    for line in proc.stdout.decode(errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key] = value.strip()
    try:
        usable = cpu_list(fields.get("cpus_usable", ""))
        online = int(fields.get("cpus_online", "0") or 0)
    except ValueError:
        usable, online = [], 0
    info: HostInfo = {
        "host": shell.host.name,
        "kernel": fields.get("kernel", "?") or "?",
        "cpu_model": fields.get("cpu_model", "") or platform.processor() or "?",
        "cpus_online": online,
        "cpus_usable": usable,
    }
    paths = {k.removeprefix("path."): v for k, v in fields.items() if k.startswith("path.")}
    versions = {k.removeprefix("version."): v for k, v in fields.items() if k.startswith("version.")}
    return Probe(info, paths, versions)


# --- one timed command, measured where it runs ---------------------------------------------------

# Runs "$@" in a fresh directory "$1" on the host and prints that directory as a tar stream: the
# command's stdout and stderr, its exit status, start and end time, the CPU lines of /proc/stat
# around it (steal) and `times` (the shell's children's user and system CPU: rusage of the
# command and every thread it ran, as wait4 gives it locally). The directory is removed after.
_TIMED = r"""
dir=$1; shift
mkdir -p "$dir" && cd "$dir" || exit 97
grep '^cpu[0-9]' /proc/stat > stat.before
date +%s.%N > started
"$@" > stdout 2> stderr
echo $? > status
date +%s.%N > ended
grep '^cpu[0-9]' /proc/stat > stat.after
times > times
tar -cf - .
cd / && rm -rf "$dir"
"""


@dataclass
class Timed:
    """A command run on a host: exit status, wall and CPU seconds, output, the CPU time counters
    (/proc/stat lines) before and after, and the files it left in its directory."""

    returncode: int
    wall_s: float
    cpu_s: float
    stdout: bytes
    stderr: bytes
    stat_before: str
    stat_after: str
    files: dict[str, bytes]
    timed_out: bool = False


_TIMES = re.compile(r"(\d+)m([\d.]+)s")


def children_cpu_seconds(times_output: str) -> float:
    """User + system seconds of the shell's children from `times` (its second line)."""
    lines = times_output.strip().splitlines()
    if len(lines) < 2:
        return 0.0
    return sum(int(m) * 60 + float(s) for m, s in _TIMES.findall(lines[1]))


def _float(data: bytes) -> float | None:
    try:
        return float(data.decode().strip())
    except (ValueError, UnicodeDecodeError):
        return None  # a `date` without %N (busybox) prints no fraction we can read


def run_timed(
    shell: Shell, workdir: str, name: str, command: list[str], *, cpus: set[int] | None, timeout_s: float, env: dict[str, str]
) -> Timed:
    """Runs `command` on the shell's host in `workdir/name`, pinned to `cpus` (taskset) and bounded
    by `timeout_s` there (coreutils timeout; ssh is given a little longer, so the host ends it)."""
    inner = ["timeout", "-k", "5", f"{max(1, int(timeout_s))}"]
    if cpus:
        inner += ["taskset", "-c", ",".join(str(c) for c in sorted(cpus))]
    if env:
        inner += ["env", *(f"{k}={v}" for k, v in env.items())]
    started = time.monotonic()
    try:
        proc = shell.sh(_TIMED, f"{workdir}/{name}", *inner, *command, timeout=timeout_s + 20)
    except HostTimeout:
        return Timed(-9, time.monotonic() - started, 0.0, b"", b"", "", "", {}, timed_out=True)
    wall = time.monotonic() - started
    if proc.returncode != 0 or not proc.stdout:
        message = proc.stderr.decode(errors="replace").strip()[-400:]
        raise HostError(
            f"{shell.host.name}: could not run the command in {workdir}/{name}: {message or f'exit {proc.returncode}'}"
        )
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[os.path.normpath(member.name)] = extracted.read()
    status = files.pop("status", b"").decode().strip()
    t0, t1 = _float(files.pop("started", b"")), _float(files.pop("ended", b""))
    returncode = int(status) if status.lstrip("-").isdigit() else -1
    return Timed(
        returncode=returncode,
        wall_s=(t1 - t0) if t0 is not None and t1 is not None else wall,
        cpu_s=children_cpu_seconds(files.pop("times", b"").decode()),
        stdout=files.pop("stdout", b""),
        stderr=files.pop("stderr", b""),
        stat_before=files.pop("stat.before", b"").decode(),
        stat_after=files.pop("stat.after", b"").decode(),
        files=files,
        # coreutils timeout exits 124 when it had to end the command.
        timed_out=returncode in (124, 137),
    )


# --- a scratch directory on a host ----------------------------------------------------------------


class Workdir:
    """A temporary directory on a host holding the files its commands read; removed by `close()`."""

    def __init__(self, shell: Shell):
        self.shell = shell
        proc = shell.sh('mktemp -d "${TMPDIR:-/tmp}/arena-bench.XXXXXX"')
        self.path = proc.stdout.decode().strip()
        if proc.returncode != 0 or not self.path.startswith("/"):
            raise HostError(
                f"{shell.host.name}: cannot make a temporary directory: {proc.stderr.decode(errors='replace')[-300:]}"
            )
        self._copies: dict[Path, str] = {}

    def put(self, local: Path) -> str:
        """Copies a local file into the directory once; its path there."""
        if local not in self._copies:
            target = f"{self.path}/files/{len(self._copies)}-{local.name}"
            proc = self.shell.sh('mkdir -p "${1%/*}" && cat > "$1"', target, input=local.read_bytes())
            if proc.returncode != 0:
                raise HostError(f"{self.shell.host.name}: cannot write {target}: {proc.stderr.decode(errors='replace')[-300:]}")
            self._copies[local] = target
        return self._copies[local]

    def close(self) -> None:
        self.shell.sh('rm -rf "$1"', self.path)
