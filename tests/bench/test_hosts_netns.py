"""Two hosts on one machine: two network namespaces joined by a veth pair, an sshd in the client's,
and a quick bench run from the server's namespace with the load generator reached over SSH.

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

from harness import registry, tools
from harness.errors import ToolError
from harness.paths import ROOT
from harness.tools import find_wrk

# Addresses of this test's own namespaces: the link exists only between them.
SERVER_ADDRESS = "10.250.0.1"
CLIENT_ADDRESS = "10.250.0.2"
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


def _sshd_answers(hosts: Hosts, deadline: float) -> bool:
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
        f"root@{CLIENT_ADDRESS}",
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
        (d / "sshd_config").write_text(SSHD_CONFIG.format(address=CLIENT_ADDRESS, dir=d))
        # sshd's privilege-separation directory; Debian's service would make it.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        log = (d / "sshd.log").open("wb")
        sshd = subprocess.Popen(
            ["ip", "netns", "exec", hosts.client_ns, programs["sshd"], "-D", "-e", "-f", str(d / "sshd_config")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if not _sshd_answers(hosts, time.monotonic() + 20):
            pytest.fail(f"sshd in {hosts.client_ns} did not answer: {(d / 'sshd.log').read_text()[-1000:]}")
        yield hosts
    finally:
        if sshd is not None:
            sshd.terminate()
            try:
                sshd.wait(10)
            except subprocess.TimeoutExpired:
                sshd.kill()
                sshd.wait()
        for ns in created:
            _ip("netns", "del", ns)


def _rx_bytes(ns: str, dev: str) -> int:
    r = _ip("-n", ns, "-j", "-s", "link", "show", dev)
    return int(json.loads(r.stdout)[0]["stats64"]["rx"]["bytes"])


@pytest.mark.timeout(240)
def test_bench_with_the_load_generator_on_another_host(hosts: Hosts, tmp_path: Path):
    spec = registry.discover()["baseline"]
    if find_wrk() is None or not spec.build.binary.exists():
        pytest.skip("needs wrk and a built baseline (`nox -s build` or `python -m harness build baseline`)")
    two = len(os.sched_getaffinity(0)) >= 2
    out = tmp_path / "run"
    rx_before = _rx_bytes(hosts.server_ns, "veth0")
    argv = hosts.in_server_ns(
        sys.executable,
        "-m",
        "harness",
        "bench",
        "--profile",
        "quick",
        "--duration",
        "1",
        "--servers",
        "baseline",
        "--scenarios",
        "plaintext",
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
