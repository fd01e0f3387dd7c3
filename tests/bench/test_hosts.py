"""The client host's machinery without a network: ssh command lines, the remote runner's shell
snippet run through a local shell (the same text ssh would hand a remote one), its parsing, and
the checks that stop a run before it starts."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from harness import registry
from harness.bench import client as load_client
from harness.bench import measure, results, suite, wrk
from harness.bench.scenarios import Scenario
from harness.errors import SelectionError
from harness.hosts import Host, HostError, Probe, Shell, children_cpu_seconds, cpu_list, probe, run_timed
from harness.tools import OHA_VERSION, Tools, find_oha, find_wrk


def test_local_is_the_default_host():
    assert Host.parse(None).is_local and Host.parse("local").is_local and Host.parse(" ").is_local
    host = Host.parse("bench@10.0.0.2", ("IdentityFile=/k",))
    assert not host.is_local and host.name == "bench@10.0.0.2"


def test_ssh_command_line_quotes_every_word_and_never_prompts(tmp_path):
    shell = Shell(Host("bench@10.0.0.2", ("StrictHostKeyChecking=no",)))
    shell._control_dir = str(tmp_path)  # as if connected: no network in this test
    argv = shell.argv(["sh", "-c", 'echo "$1"', "arena", "a b; rm -rf /"])
    assert argv[0] == "ssh" and argv[-3:-1] == ["bench@10.0.0.2", "--"]
    opts = [argv[i + 1] for i, a in enumerate(argv) if a == "-o"]
    # The caller's options come first: ssh keeps the first value it sees.
    assert opts[0] == "StrictHostKeyChecking=no"
    assert "BatchMode=yes" in opts and f"ControlPath={tmp_path}/%C" in opts
    # The remote login shell splits the one string back into the same words.
    assert shlex.split(argv[-1]) == ["sh", "-c", 'echo "$1"', "arena", "a b; rm -rf /"]
    assert Shell(Host()).argv(["true"]) == ["true"]


def test_unreachable_host_is_named_without_hanging():
    # Port 9 on a loopback address: refused at once; BatchMode keeps ssh from asking anything.
    host = Host("nobody@127.0.0.1", ("Port=9", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"))
    with pytest.raises(HostError, match=r"cannot reach nobody@127\.0\.0\.1 with ssh"):
        Shell(host).open()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0m0.001s 0m0.000s\n0m1.250s 0m0.500s\n", 1.75),  # bash
        ("0m0.000000s 0m0.000000s\n1m2.500000s 0m0.250000s\n", 62.75),  # dash
        ("", 0.0),
    ],
)
def test_children_cpu_from_times(text, seconds):
    assert children_cpu_seconds(text) == pytest.approx(seconds)


def test_cpu_lists_and_stat_lines():
    assert cpu_list("0-3,6") == [0, 1, 2, 3, 6] and cpu_list("") == []
    stat = "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 10 0 10 70 0 0 0 10 0 0\ncpu1 5 0 5 85 0 0 0 5 0 0\nintr 1\n"
    assert measure.jiffies_in(stat, {0}) == (10, 100)
    assert measure.jiffies_in(stat, {0, 1}) == (15, 200)


def test_timed_command_through_a_shell_measures_where_it_runs(tmp_path):
    """The snippet a client host runs, run here: exit status, output, files left behind, CPU time."""
    with Shell(Host()) as shell:
        burn = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo out; echo err >&2; echo kept > summary.json; exit 3"
        timed = run_timed(shell, str(tmp_path), "one", ["sh", "-c", burn], cpus={0}, timeout_s=30, env={"X": "1"})
    assert timed.returncode == 3 and timed.stdout == b"out\n" and timed.stderr == b"err\n"
    assert timed.files == {"summary.json": b"kept\n"}
    assert timed.cpu_s > 0 and timed.wall_s >= timed.cpu_s * 0.5
    assert measure.jiffies_in(timed.stat_after, {0})[1] >= measure.jiffies_in(timed.stat_before, {0})[1] > 0
    assert not (tmp_path / "one").exists(), "the run's directory is removed"


def test_timed_command_is_bounded_there(tmp_path):
    with Shell(Host()) as shell:
        timed = run_timed(shell, str(tmp_path), "slow", ["sleep", "30"], cpus=None, timeout_s=1, env={})
    assert timed.timed_out and timed.returncode == 124


def test_probe_names_missing_tools():
    with Shell(Host()) as shell:
        found = probe(shell)
    assert found.info["host"] == "local" and found.info["cpus_usable"] and found.info["kernel"] != "?"
    bare = Probe(found.info, {"taskset": "/usr/bin/taskset", "timeout": "", "tar": "/bin/tar", "wrk": "", "oha": ""}, {})
    with pytest.raises(HostError) as err:
        load_client.remote_tools(bare, ("oha", "wrk"))
    assert "lacks: timeout (coreutils); wrk" in str(err.value) and f"oha {OHA_VERSION}" in str(err.value)
    old = Probe(found.info, {**bare.paths, "timeout": "/t", "wrk": "/w", "oha": "/o"}, {"oha": "oha 1.4.0", "wrk": "wrk 4.2.0"})
    with pytest.raises(HostError, match="found 1.4.0 at /o"):
        load_client.remote_tools(old, ("oha", "wrk"))
    ok = load_client.remote_tools(old, ("wrk",))
    assert ok == Tools(wrk="/w", oha=None, found_versions={"wrk": "4.2.0", "oha": "not used"})
    assert ok.versions() == {"wrk": "4.2.0", "oha": "not used"}


def test_server_address_must_be_local_and_reachable_by_a_remote_client():
    suite.check_server_address("127.0.0.1", Host())
    with pytest.raises(SelectionError, match="cannot reach"):
        suite.check_server_address("127.0.0.1", Host("bench@10.0.0.2"))
    with pytest.raises(SelectionError, match="cannot listen on 192.0.2.1"):
        suite.check_server_address("192.0.2.1", Host())  # TEST-NET-1: never this machine's
    with pytest.raises(SelectionError, match="not an IP address"):
        suite.check_server_address("bench.example", Host())


def test_wrk_through_the_remote_client_path(tmp_path):
    """wrk run the way a client host runs it (script and body copied into its directory, the
    summary brought back), through a local shell: every byte of the remote path but ssh."""
    spec = registry.discover()["baseline"]
    if find_wrk() is None or not spec.build.binary.exists():
        pytest.skip("needs wrk and a built baseline (`python -m harness build baseline`)")
    from harness.process import ServerProcess

    shell = Shell(Host())
    found = probe(shell)
    remote = load_client.RemoteClient(shell, load_client.remote_tools(found, ("wrk",)), found.info)
    body = tmp_path / "body.json"
    body.write_text('{"a": 1}')
    sc = Scenario(name="echo", kind="throughput", path="/echo", method="POST", body_file=body, content_type="application/json")
    try:
        with ServerProcess(spec, workers=1, log_dir=tmp_path) as srv:
            res, tool = wrk.run(
                remote.tools.wrk or "wrk",
                sc,
                srv.url,
                connections=4,
                threads=1,
                duration_s=1,
                check=True,
                cpus=None,
                out_dir=tmp_path / "raw",
                name="r1",
                client=remote,
            )
        workdir = remote.workdir.path
        assert Path(workdir, "files").is_dir()
    finally:
        remote.close()
    assert not Path(workdir).exists(), "the client's temporary directory is removed"
    assert res.requests > 0 and res.error_total == 0 and tool.cpu_s > 0 and tool.steal is not None
    summary = json.loads((tmp_path / "raw" / "r1.wrk.json").read_text())
    assert summary["requests"] == res.requests
    cmd = (tmp_path / "raw" / "r1.wrk.cmd").read_text()
    assert cmd.startswith("# on local") and f"{workdir}/files/" in cmd and "ARENA_WRK_SUMMARY=r1.wrk.json" in cmd


def test_oha_through_the_remote_client_path(tmp_path):
    """oha's JSON output, written relative to its run directory there, comes back and parses."""
    from harness.bench import oha
    from harness.process import ServerProcess

    spec, path = registry.discover()["baseline"], find_oha()
    if path is None or not spec.build.binary.exists():
        pytest.skip("needs oha and a built baseline (`nox -s build`)")
    shell = Shell(Host())
    remote = load_client.RemoteClient(shell, Tools(wrk=None, oha=path, found_versions={"oha": OHA_VERSION}), probe(shell).info)
    sc = Scenario(name="json-latency", kind="latency", path="/json")
    try:
        with ServerProcess(spec, workers=1, log_dir=tmp_path) as srv:
            res, tool = oha.run(
                path,
                sc,
                srv.url,
                connections=2,
                rate=200,
                duration_s=1,
                threads=1,
                cpus=None,
                out_dir=tmp_path / "raw",
                name="o1",
                client=remote,
            )
    finally:
        remote.close()
    assert res.requests > 50 and not res.errors and res.latency_ms["p99"] is not None
    assert (tmp_path / "raw" / "o1.oha.json").exists() and tool.cpu_s > 0
    assert " -o o1.oha.json " in (tmp_path / "raw" / "o1.oha.cmd").read_text()


def test_results_of_a_run_before_hosts_and_rounds_still_load(tmp_path):
    """A results.json written before these keys existed validates and reads back, with the keys'
    old meaning: one machine, `repeats` rounds, nothing re-measured."""
    from harness.bench.report import model

    from .test_stats import record

    run = record("a", 100.0)
    data = run.to_json()
    for key in ("server_steal_share", "client_steal_share", "attempt", "superseded"):
        data.pop(key)
    assert results.RunRecord.from_json(data).attempt == 1
    doc = {
        "schema_version": 1,
        "run_id": "old",
        "started_at": "2026-11-23T00:00:00+00:00",
        "finished_at": "2026-11-23T02:28:00+00:00",
        "environment": {
            "cpu_model": "x",
            "cpus_online": 2,
            "kernel": "6",
            "rustc": "r",
            "python": "3",
            "tools": {"wrk": "4", "oha": "1"},
            "git_commit": "abc",
            "frameworks": {},
        },
        "config": {
            "profile": "full",
            "duration_s": 15,
            "warmup_s": 2,
            "repeats": 3,
            "server_cpus": [0],
            "client_cpus": [1],
            "workers": 1,
            "scenarios_file": "bench/scenarios.toml",
        },
        "plan": {
            "servers": ["a"],
            "cells": [{"scenario": "plaintext", "kind": "throughput", "connections": 64, "rate": None}],
            "runs": 3,
            "estimated_s": 60,
        },
        "servers": [{"name": "a", "contender": True, "status": "ok"}],
        "runs": [data],
        "failures": [],
        "aggregates": [],
    }
    results.validate(doc)
    (tmp_path / "results.json").write_text(json.dumps(doc))
    loaded = results.load(tmp_path)
    head = model.header(loaded)
    assert "Topology: everything on one machine" in head[1] and "3 round(s)" in head[0]
    assert any("2 h 28 min" in line for line in head)
