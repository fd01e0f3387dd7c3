"""Two and three hosts on one machine: network namespaces joined by veth pairs, an sshd in the
client's, and a quick bench run from the server's namespace with the load generator reached over
SSH; then a third namespace for the database (its own sshd and PostgreSQL, `harness db start
--listen`), and a database scenario with server, load generator and database each on its own host.

Each namespace has its own network stack, so the server really listens on the address named for
it, the load really crosses the link, and ssh really logs in (a key made for this test, sshd with
a throw-away host key). Needs root (namespaces) and openssh-server and iproute2, which
harness.tools installs from Debian when root; skips, saying why, where either is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import db, registry, tools
from harness.errors import ToolError
from harness.paths import ROOT
from harness.tools import find_wrk

# Addresses of this test's own namespaces: the link exists only between them.
SERVER_ADDRESS = "10.250.0.1"
CLIENT_ADDRESS = "10.250.0.2"
# The server's second link, to the database host.
SERVER_DB_SIDE = "10.250.1.1"
DATABASE_ADDRESS = "10.250.1.2"
DATABASE_PORT = 5432
PREFIX = 30


@dataclass(frozen=True)
class Hosts:
    server_ns: str
    client_ns: str
    key: Path

    @property
    def ssh_options(self) -> list[str]:
        opts = [
            f"IdentityFile={self.key}",
            "IdentitiesOnly=yes",
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "LogLevel=ERROR",
        ]
        return [arg for opt in opts for arg in ("--ssh-option", opt)]

    def in_server_ns(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.server_ns, *argv]


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


def _must(*args: str) -> None:
    r = _ip(*args)
    assert r.returncode == 0, f"ip {' '.join(args)}: {r.stderr.strip()}"


SSHD_CONFIG = """\
ListenAddress {address}
Port 22
HostKey {dir}/host_key
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile {dir}/sshd.pid
"""


def _sshd_answers(hosts: Hosts, deadline: float, address: str = CLIENT_ADDRESS) -> bool:
    probe = [
        "ssh",
        "-i",
        str(hosts.key),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=2",
        f"root@{address}",
        "--",
        "true",
    ]
    while time.monotonic() < deadline:
        if subprocess.run(hosts.in_server_ns(*probe), capture_output=True, timeout=10).returncode == 0:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root: run as root (CI does)")
    try:
        programs = tools.ensure_hosts_test(install=True)
    except ToolError as exc:
        pytest.skip(f"cannot set up the two hosts: {exc}")
    tag = f"{os.getpid()}"
    hosts = Hosts(f"arena-srv-{tag}", f"arena-cli-{tag}", tmp_path_factory.mktemp("ssh") / "client_key")
    created: list[str] = []
    sshd: subprocess.Popen[bytes] | None = None
    try:
        for ns in (hosts.server_ns, hosts.client_ns):
            r = _ip("netns", "add", ns)
            if r.returncode != 0:
                pytest.skip(f"cannot create network namespaces here: {r.stderr.strip()}")
            created.append(ns)
        # Both ends are made inside their namespaces: nothing appears in the machine's own.
        _must("link", "add", "veth0", "netns", hosts.server_ns, "type", "veth", "peer", "name", "veth1", "netns", hosts.client_ns)
        for ns, dev, address in ((hosts.server_ns, "veth0", SERVER_ADDRESS), (hosts.client_ns, "veth1", CLIENT_ADDRESS)):
            _must("-n", ns, "addr", "add", f"{address}/{PREFIX}", "dev", dev)
            _must("-n", ns, "link", "set", dev, "up")
            _must("-n", ns, "link", "set", "lo", "up")
        d = hosts.key.parent
        for key in (d / "host_key", hosts.key):
            subprocess.run([programs["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30)
        (d / "authorized_keys").write_text(Path(f"{hosts.key}.pub").read_text())
        sshd = _start_sshd(programs["sshd"], hosts.client_ns, CLIENT_ADDRESS, d, "client")
        if not _sshd_answers(hosts, time.monotonic() + 20):
            pytest.fail(f"sshd in {hosts.client_ns} did not answer: {(d / 'sshd-client.log').read_text()[-1000:]}")
        yield hosts
    finally:
        _stop(sshd)
        for ns in created:
            _ip("netns", "del", ns)


def _start_sshd(sshd: str, ns: str, address: str, d: Path, name: str) -> subprocess.Popen[bytes]:
    config = d / f"sshd_config-{name}"
    config.write_text(SSHD_CONFIG.format(address=address, dir=d).replace("sshd.pid", f"sshd-{name}.pid"))
    # sshd's privilege-separation directory; Debian's service would make it.
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = (d / f"sshd-{name}.log").open("wb")
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, sshd, "-D", "-e", "-f", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class DatabaseHost:
    ns: str
    url: str


# The database host's own cluster: apart from the session's (its directory, state and port).
NETNS_CLUSTER = "netns-db"


def _in_ns(ns: str, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def database_host(hosts: Hosts) -> Iterator[DatabaseHost]:
    """A third namespace linked to the server's: an sshd and a PostgreSQL listening on its address,
    started the way a person starts one on a database host."""
    if db.bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (`python -m harness db start` installs it as root)")
    ns = hosts.server_ns.replace("srv", "db")
    r = _ip("netns", "add", ns)
    if r.returncode != 0:
        pytest.skip(f"cannot create a third network namespace: {r.stderr.strip()}")
    sshd: subprocess.Popen[bytes] | None = None
    started = False
    try:
        _must("link", "add", "veth2", "netns", hosts.server_ns, "type", "veth", "peer", "name", "veth3", "netns", ns)
        for where, dev, address in ((hosts.server_ns, "veth2", SERVER_DB_SIDE), (ns, "veth3", DATABASE_ADDRESS)):
            _must("-n", where, "addr", "add", f"{address}/{PREFIX}", "dev", dev)
            _must("-n", where, "link", "set", dev, "up")
        _must("-n", ns, "link", "set", "lo", "up")
        programs = tools.ensure_hosts_test(install=False)
        sshd = _start_sshd(programs["sshd"], ns, DATABASE_ADDRESS, hosts.key.parent, "db")
        if not _sshd_answers(hosts, time.monotonic() + 20, DATABASE_ADDRESS):
            pytest.fail(f"sshd in {ns} did not answer: {(hosts.key.parent / 'sshd-db.log').read_text()[-1000:]}")
        out = _in_ns(
            ns,
            sys.executable,
            "-m",
            "harness",
            "db",
            "start",
            "--cluster",
            NETNS_CLUSTER,
            "--listen",
            DATABASE_ADDRESS,
            "--port",
            str(DATABASE_PORT),
        )
        assert out.returncode == 0, out.stdout + out.stderr
        started = True
        url = next(line.partition("=")[2] for line in out.stdout.splitlines() if line.startswith(db.DATABASE_URL_ENV))
        assert f"@{DATABASE_ADDRESS}:{DATABASE_PORT}/" in url
        yield DatabaseHost(ns, url)
    finally:
        if started:
            _in_ns(ns, sys.executable, "-m", "harness", "db", "stop", "--cluster", NETNS_CLUSTER, timeout=60)
        _stop(sshd)
        _ip("netns", "del", ns)


def _rx_bytes(ns: str, dev: str) -> int:
    r = _ip("-n", ns, "-j", "-s", "link", "show", dev)
    return int(json.loads(r.stdout)[0]["stats64"]["rx"]["bytes"])


def _bench(hosts: Hosts, out: Path, *args: str) -> list[str]:
    """A quick one-second bench from the server's namespace, the load generator over SSH."""
    two = len(os.sched_getaffinity(0)) >= 2
    return hosts.in_server_ns(
        sys.executable,
        "-m",
        "harness",
        "bench",
        "--profile",
        "quick",
        "--duration",
        "1",
        *args,
        "--client-host",
        f"root@{CLIENT_ADDRESS}",
        "--server-address",
        SERVER_ADDRESS,
        "--server-cpus",
        "0",
        "--client-cpus",
        "1" if two else "0",
        *hosts.ssh_options,
        "--out",
        str(out),
        "--no-screenshot",
    )


@pytest.mark.timeout(240)
def test_bench_with_the_load_generator_on_another_host(hosts: Hosts, tmp_path: Path):
    spec = registry.discover()["baseline"]
    if find_wrk() is None or not spec.build.binary.exists():
        pytest.skip("needs wrk and a built baseline (`nox -s build` or `python -m harness build baseline`)")
    out = tmp_path / "run"
    rx_before = _rx_bytes(hosts.server_ns, "veth0")
    argv = _bench(hosts, out, "--servers", "baseline", "--scenarios", "plaintext")
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert doc["config"]["hosts"] == {
        "server": {"host": "local", "address": SERVER_ADDRESS},
        "client": {"host": f"root@{CLIENT_ADDRESS}"},
    }
    client = doc["environment"]["hosts"]["client"]
    assert client["host"] == f"root@{CLIENT_ADDRESS}" and client["kernel"] not in ("", "?") and client["cpus_usable"]
    assert doc["environment"]["tools"]["wrk"] not in ("?", "not used")
    (run,) = doc["runs"]
    assert run["valid"], run["invalid_reasons"]
    assert run["requests"] > 0 and run["client_cpu_s"] > 0 and run["server_cpu_s"] > 0
    assert run["client_steal_share"] is not None and run["server_steal_share"] is not None
    cmd = (out / "raw" / f"{run['run_id']}.wrk.cmd").read_text()
    assert cmd.startswith(f"# on root@{CLIENT_ADDRESS}") and f"http://{SERVER_ADDRESS}:" in cmd
    # The load crossed the link: the server's end received at least a request line per request.
    assert _rx_bytes(hosts.server_ns, "veth0") - rx_before > 30 * run["requests"]
    md = (out / "report.md").read_text()
    assert f"Topology: server on `local`, listening on {SERVER_ADDRESS}" in md
    assert f"load generator on `root@{CLIENT_ADDRESS}` (over SSH)" in md
    assert f"Client host `root@{CLIENT_ADDRESS}`:" in md


@pytest.mark.timeout(300)
def test_server_load_generator_and_database_each_on_its_own_host(hosts: Hosts, database_host: DatabaseHost, tmp_path: Path):
    """The database scenario with PostgreSQL in the third namespace, reached by the server at the
    URL and by the harness over SSH: its CPU and steal are read there, and it is pinned there."""
    spec = registry.discover()["hyper"]
    if find_wrk() is None or not spec.build.binary.exists():
        pytest.skip("needs wrk and a built hyper (`nox -s build` or `python -m harness build hyper`)")
    two = len(os.sched_getaffinity(0)) >= 2
    out = tmp_path / "run"
    rx_before = _rx_bytes(database_host.ns, "veth3")
    argv = _bench(
        hosts,
        out,
        "--servers",
        "hyper",
        "--scenarios",
        "db",
        "--database-url",
        database_host.url,
        "--database-host",
        f"root@{DATABASE_ADDRESS}",
        "--db-cpus",
        "1" if two else "0",
    )
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert doc["config"]["hosts"]["database"] == {"host": f"root@{DATABASE_ADDRESS}", "address": DATABASE_ADDRESS}
    assert doc["config"]["database"]["cpu_measured"] and doc["config"]["database"]["cpus"] == [1 if two else 0]
    remote = doc["environment"]["hosts"]["database"]
    assert remote["host"] == f"root@{DATABASE_ADDRESS}" and remote["kernel"] not in ("", "?")
    mine = [r for r in doc["runs"] if r["server"] == "hyper"]
    ceiling = [r for r in doc["runs"] if r["server"] != "hyper"]
    assert mine and ceiling
    for run in mine + ceiling:
        assert run["valid"], run["invalid_reasons"]
        # PostgreSQL's CPU was read on its host: one request costs it something, and not seconds.
        assert run["pg_cpu_s"] is not None and 0 < run["pg_cpu_us_per_request"] < 100_000
    assert all(r["pg_statements_per_request"] >= 1 for r in mine)
    # The queries crossed the server's link to the database host: a query's bytes per request at least.
    assert _rx_bytes(database_host.ns, "veth3") - rx_before > 20 * sum(r["requests"] for r in mine)
    md = (out / "report.md").read_text()
    assert f"database on `root@{DATABASE_ADDRESS}` (over SSH), reached at {DATABASE_ADDRESS}" in md
    assert f"Database host `root@{DATABASE_ADDRESS}`:" in md
    assert "CPU time and steal read there over SSH" in md
    # The pinning was given back at the end: the postmaster is on every CPU again.
    pm = _in_ns(database_host.ns, "sh", "-c", f"ss -Hltnp 'sport = :{DATABASE_PORT}'", timeout=30).stdout
    pid = pm.split("pid=")[1].split(",")[0] if "pid=" in pm else None
    if pid is not None:
        assert os.sched_getaffinity(int(pid)) == os.sched_getaffinity(0)
