"""TechEmpower reference rows (harness/bench/tfb.py) on a fabricated FrameworkBenchmarks checkout:
discovery from benchmark_config.json and the dockerfile, the reasons entries are skipped, the build
of a tiny Cargo project posing as frameworks/Rust/actix, and rows that never count as contenders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import registry
from harness.bench import plan, results, stats, tfb
from harness.bench.report import markdown, model
from harness.bench.scenarios import Scenario
from harness.process import free_port

from .test_stats import record

# A std-only HTTP/1.1 responder: keep-alive and pipelining, /json and anything else as plaintext.
TINY_MAIN = r"""
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() {
    let listener = TcpListener::bind(("127.0.0.1", PORT)).unwrap();
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let (mut pending, mut chunk) = (Vec::new(), [0u8; 4096]);
            loop {
                let n = match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&chunk[..n]);
                let mut out = Vec::new();
                while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    let body: &[u8] = if pending.starts_with(b"GET /json") {
                        br#"{"message":"Hello, World!"}"#
                    } else {
                        b"Hello, World!"
                    };
                    out.extend_from_slice(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
                    out.extend_from_slice(body);
                    pending.drain(..end + 4);
                }
                if stream.write_all(&out).is_err() {
                    return;
                }
            }
        });
    }
}
"""


def _test(port: int, **extra: object) -> dict[str, object]:
    return {"json_url": "/json", "plaintext_url": "/plaintext", "port": port, "approach": "Realistic", **extra}


def fabricate(root: Path, port: int = 8080) -> Path:
    """A checkout with: actix (a tiny Cargo project, builds offline), hyper (a git dependency, its
    dockerfile named by the config, a docker_cmd), ntex (no default dockerfile; a Stripped test),
    and nothing for the arena's other frameworks."""
    rust = root / "frameworks" / "Rust"
    actix = rust / "actix"
    (actix / "src").mkdir(parents=True)
    (actix / "benchmark_config.json").write_text(json.dumps({"framework": "actix", "tests": [{"default": _test(port)}]}))
    (actix / "actix.dockerfile").write_text(
        "FROM rust:1.85\nRUN apt-get update -yqq && apt-get install -yqq cmake g++\nADD ./ /actix\nWORKDIR /actix\n"
        'RUN cargo clean\nRUN RUSTFLAGS="-C opt-level=2" \\\n    cargo build --release\nEXPOSE 8080\n'
        "CMD ./target/release/tiny-web\n"
    )
    (actix / "Cargo.toml").write_text(
        '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n\n[[bin]]\nname = "tiny-web"\npath = "src/main.rs"\n'
    )
    (actix / "src" / "main.rs").write_text(TINY_MAIN.replace("PORT", str(port)))
    hyper = rust / "hyper"
    hyper.mkdir(parents=True)
    tests = {"default": _test(8080, docker_cmd="hyper-tfb --runtime current-thread", dockerfile="build.dockerfile")}
    (hyper / "benchmark_config.json").write_text(json.dumps({"framework": "hyper", "tests": [tests]}))
    (hyper / "build.dockerfile").write_text(
        'FROM rust\nENV RUSTFLAGS "-C target-cpu=native"\nRUN cargo install --path . --locked\nCMD ["hyper-tfb"]\n'
    )
    (hyper / "Cargo.toml").write_text(
        '[package]\nname = "hyper-tfb"\nversion = "0.1.0"\n\n[dependencies]\n'
        'pg = { git = "https://example.org/pg.git", rev = "abc" }\n'
    )
    ntex = rust / "ntex"
    ntex.mkdir(parents=True)
    tests = {"default": _test(8080), "neon": _test(8080, approach="Stripped"), "neon-uring": {"port": 8080}}
    (ntex / "benchmark_config.json").write_text(json.dumps({"framework": "ntex", "tests": [tests]}))
    return root


def test_discovery_reads_the_config_and_the_dockerfile(tmp_path: Path):
    entries, skipped = tfb.discover(fabricate(tmp_path, port=8123))
    by = {e.name: e for e in entries}
    assert set(by) == {"TFB-actix", "TFB-hyper"}
    actix = by["TFB-actix"]
    assert (actix.binary, actix.args, actix.features, actix.rustflags) == ("tiny-web", (), (), "-C opt-level=2")
    assert (actix.port, actix.counterparts, actix.git_sources) == (8123, ("actix",), ())
    assert actix.apt_packages == ("cmake", "g++")
    hyper = by["TFB-hyper"]
    # docker_cmd overrides the dockerfile's CMD; ENV RUSTFLAGS applies to the later RUN.
    assert (hyper.binary, hyper.args, hyper.rustflags) == ("hyper-tfb", ("--runtime", "current-thread"), "-C target-cpu=native")
    assert hyper.git_sources == ("https://example.org/pg.git",)
    reasons = {s.name: s.reason for s in skipped}
    assert reasons["TFB-ntex"] == "no frameworks/Rust/ntex/ntex.dockerfile"
    assert "Stripped" in reasons["TFB-ntex-neon"]
    assert "does not serve /plaintext and /json" in reasons["TFB-ntex-neon-uring"]
    assert "benchmark_config.json" in reasons["TFB-axum"]
    assert set(reasons) == {name for (d, t) in tfb.COUNTERPARTS for name in [tfb.row_name(d, t)]} - set(by)


def test_a_directory_that_is_no_checkout_is_an_error(tmp_path: Path):
    with pytest.raises(Exception, match="not a FrameworkBenchmarks checkout"):
        tfb.discover(tmp_path)


DOCKERFILES = [
    (
        'RUN RUSTFLAGS="-C target-cpu=native" cargo build --release --features="tokio"\nCMD ./target/release/ntex',
        tfb.CargoCommand(("tokio",), False, None),
        "-C target-cpu=native",
        ["./target/release/ntex"],
    ),
    (
        "RUN cargo build --release --bin x --features io-uring,pg \\\n  --no-default-features\nCMD ./x",
        tfb.CargoCommand(("io-uring", "pg"), True, "x"),
        None,
        ["./x"],
    ),
    (
        'ENV RUSTFLAGS="-C lto"\nRUN cargo fetch && cargo build -F a -F b\nCMD ["/app/y", "--flag"]',
        tfb.CargoCommand(("a", "b"), False, None),
        "-C lto",
        ["/app/y", "--flag"],
    ),
    (
        "RUN cargo build --release\nRUN cargo install --path . --bin=z\nCMD z",
        tfb.CargoCommand((), False, "z"),
        None,
        ["z"],
    ),
]


@pytest.mark.parametrize(("dockerfile", "cargo", "rustflags", "command"), DOCKERFILES)
def test_dockerfile_forms(dockerfile, cargo, rustflags, command):
    build = tfb.parse_dockerfile("FROM rust\n# a comment\n" + dockerfile + "\n")
    assert (build.cargo, build.rustflags, build.command) == (cargo, rustflags, command)


def test_git_sources_are_skipped_unless_allowed(tmp_path: Path):
    entries, _ = tfb.discover(fabricate(tmp_path / "checkout"))
    hyper = [e for e in entries if e.name == "TFB-hyper"]
    specs, skipped = tfb.build(hyper, build_root=tmp_path / "build")
    assert specs == []
    assert "git (https://example.org/pg.git)" in skipped[0].reason
    assert not (tmp_path / "build").exists(), "nothing is copied or built for a skipped entry"


def test_a_failed_build_is_skipped_with_its_error(tmp_path: Path):
    if not shutil.which("cargo"):
        pytest.skip("cargo is not on PATH")
    checkout = fabricate(tmp_path / "checkout")
    (checkout / "frameworks/Rust/actix/src/main.rs").write_text("fn main() { not_rust }\n")
    entries, _ = tfb.discover(checkout)
    specs, skipped = tfb.build([e for e in entries if e.name == "TFB-actix"], build_root=tmp_path / "build")
    assert specs == []
    assert skipped[0].reason.startswith("cargo build failed: error")
    assert "its dockerfile installs cmake g++ (Debian)" in skipped[0].reason


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    if not shutil.which("cargo"):
        pytest.skip("cargo is not on PATH")
    root = tmp_path_factory.mktemp("tfb")
    checkout = fabricate(root / "checkout", port=free_port())
    entries, _ = tfb.discover(checkout)
    specs, skipped = tfb.build([e for e in entries if e.name == "TFB-actix"], build_root=root / "build")
    assert not skipped, skipped
    return checkout, specs


def test_a_built_entry_is_a_reference_row(built):
    checkout, (spec,) = built
    assert spec.name == "TFB-actix" and not spec.contender
    assert spec.reference is not None and spec.reference.counterparts == ("actix",)
    assert spec.reference.build == "RUSTFLAGS='-C opt-level=2' cargo build --release --bin tiny-web"
    assert "frameworks/Rust/actix, test 'default'" in spec.reference.source
    assert spec.port is not None and spec.command[0].endswith("/release/tiny-web")
    # Built from a copy: the checkout only read.
    assert not (checkout / "frameworks/Rust/actix/target").exists()
    assert not (checkout / "frameworks/Rust/actix/Cargo.lock").exists()


def test_a_reference_row_serves(built):
    from harness.process import ServerProcess

    _, (spec,) = built
    with ServerProcess(spec, port=spec.port) as server:
        assert tfb.port_taken("127.0.0.1", server.port)
    assert not tfb.port_taken("127.0.0.1", spec.port)


def test_reference_rows_are_never_contenders(built):
    _, (spec,) = built
    # Never registered, so no suite (conformance, hostile, soak) and no readiness matrix sees them.
    assert not any(name.startswith(tfb.PREFIX) for name in registry.discover())
    # Faster than every contender and still unranked; the contenders rank among themselves.
    runs = [record("hyper", 100.0), record("axum", 90.0), record(spec.name, 500.0)]
    aggs = {a.server: a for a in stats.aggregate(runs, {"hyper": True, "axum": True, spec.name: False}, {spec.name})}
    assert (aggs[spec.name].rank, aggs[spec.name].contender, aggs[spec.name].reference) == (None, False, True)
    assert (aggs["hyper"].rank, aggs["axum"].rank) == (1, 2)
    # Even a caller that forgets `contender = false` does not rank a reference row.
    aggs = {a.server: a for a in stats.aggregate(runs, {}, {spec.name})}
    assert aggs[spec.name].rank is None and aggs["hyper"].rank == 1


def test_reference_rows_run_only_where_their_entry_serves():
    from types import SimpleNamespace

    from harness.bench import suite
    from harness.bench.scenarios import Profile

    plaintext = Scenario("plaintext", "throughput", "/plaintext", pipeline=16, connections={"quick": (64,)})
    users = Scenario("users", "throughput", "/users/{id}", connections={"quick": (64,)})
    echo = Scenario("echo", "throughput", "/json", method="POST", connections={"quick": (64,)})
    assert [tfb.serves(s) for s in (plaintext, users, echo)] == [True, False, False]
    specs = [
        SimpleNamespace(name="hyper", database=None, reference=None, contender=True),
        SimpleNamespace(name="TFB-hyper", database=None, reference=object(), contender=False),
    ]
    profile = Profile("quick", 1, 1, 1, "", 1, 0.05)
    runs = plan.build(["hyper", "TFB-hyper"], [plaintext, users], profile, suite.serves(specs))
    assert [(r.server, r.cell.scenario) for r in runs] == [("hyper", "plaintext"), ("TFB-hyper", "plaintext"), ("hyper", "users")]


def _doc() -> dict:
    runs = [record("baseline", 400.0), record("hyper", 100.0), record("TFB-hyper", 200.0)]
    contenders = {"baseline": False, "hyper": True, "TFB-hyper": False}
    servers: list[results.ServerStatus] = [
        {"name": n, "contender": c, "status": "ok", "error": None} for n, c in contenders.items()
    ]
    servers[2]["reference"] = {"source": "TechEmpower …/hyper", "counterparts": ["hyper"], "build": "cargo build", "port": 8080}
    return {
        "run_id": "t",
        "plan": {"servers": list(contenders), "cells": [plan.Cell("plaintext", "throughput", 64).to_json()], "scenarios": {}},
        "servers": servers,
        "aggregates": stats.aggregate(runs, contenders, {"TFB-hyper"}),
        "runs": runs,
        "failures": [],
        "references": {"checkout": "/src/FrameworkBenchmarks", "commit": None, "skipped": [{"name": "TFB-ntex", "reason": "x"}]},
    }


def test_the_report_labels_reference_rows_and_gives_the_ratio():
    view = model.build(_doc())
    rows = model.throughput_table(view.throughput["plaintext"]).rows
    # Ranked contenders, then reference rows, then the calibration row.
    assert [(r.server, r.rank) for r in rows] == [("hyper", 1), ("TFB-hyper", None), ("baseline", None)]
    assert [n.kind for n in rows[1].notes] == ["reference"]
    section = model.reference_section(view)
    assert section is not None and section.skipped == [("TFB-ntex", "x")]
    (ratio,) = section.ratios
    assert (ratio.server, ratio.reference, ratio.ratio) == ("hyper", "TFB-hyper", 0.5)
    md = "\n".join(markdown._references(view) + markdown._summary(view))
    assert "## TechEmpower reference rows" in md and "| `hyper` | `TFB-hyper` | plaintext @64 |" in md
    assert "`TFB-hyper` (TechEmpower reference)" in md


def test_a_reference_row_that_did_not_start_is_listed_with_its_reason():
    doc = _doc()
    doc["servers"].append(
        {
            "name": "TFB-may-minihttp",
            "contender": False,
            "status": "unavailable",
            "error": "[TFB-may-minihttp] start failed: server exited with code -6 (log: x.log)\n"
            "--- last lines of the log ---\n$ may-minihttp\nthread '<unnamed>' panicked at src/main.rs:9:5:\n"
            "called `Result::unwrap()` on an `Err` value: Connect\n",
            "reference": {"source": "…", "counterparts": ["may-minihttp"], "build": "cargo build", "port": 8080},
        }
    )
    section = model.reference_section(model.build(doc))
    assert section is not None
    assert ("TFB-may-minihttp", "failed to start: start failed: server exited with code -6 (log: x.log); "
            "called `Result::unwrap()` on an `Err` value: Connect") in section.skipped  # fmt: skip


@pytest.fixture(scope="module")
def bench_run(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quick bench of hyper with the fabricated checkout's reference row, on plaintext (which the
    row serves) and users (which it does not)."""
    from harness.bench import suite
    from harness.tools import find_wrk

    if find_wrk() is None:
        pytest.skip("wrk is not installed: run `nox -s build` (it installs wrk and oha)")
    missing = [n for n in ("hyper", "baseline") if not registry.discover()[n].build.binary.exists()]
    if missing:
        pytest.skip(f"not built: {missing}; run `python -m harness build {' '.join(missing)}`")
    checkout, _ = built
    root = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        # Not the build directory of a real checkout's entries.
        mp.setattr(tfb, "BUILD_ROOT", root / "tfb")
        suite.run(
            profile_name="quick",
            server_names=["hyper"],
            scenario_names=["plaintext", "users"],
            server_cpus=None,
            client_cpus=None,
            workers=None,
            out=root / "run",
            screenshot=False,
            reference_tfb=checkout,
        )
    return root / "run"


@pytest.mark.timeout(300)
def test_a_bench_with_reference_rows(bench_run: Path):
    doc = results.load(bench_run)
    assert [s["name"] for s in doc["servers"]] == ["baseline", "hyper", "TFB-actix"]
    status = {s["name"]: s for s in doc["servers"]}["TFB-actix"]
    assert status["contender"] is False and status["reference"]["counterparts"] == ["actix"]
    assert {(r.server, r.scenario) for r in doc["runs"]} == {
        ("baseline", "plaintext"), ("hyper", "plaintext"), ("TFB-actix", "plaintext"),
        ("baseline", "users"), ("hyper", "users"),
    }  # fmt: skip
    aggs = {(a.server, a.scenario): a for a in doc["aggregates"]}
    assert aggs[("TFB-actix", "plaintext")].rank is None and aggs[("TFB-actix", "plaintext")].reference
    assert aggs[("hyper", "plaintext")].rank == 1, "the only contender ranks first, whatever the reference did"
    # The readiness matrix the run kept has the contenders only.
    kept = json.loads((bench_run / "readiness.json").read_text())
    assert "TFB-actix" not in json.dumps(kept) and "hyper" in json.dumps(kept)
    md = (bench_run / "report.md").read_text()
    assert "## TechEmpower reference rows" in md and "`TFB-actix` (TechEmpower reference)" in md
    assert "TechEmpower reference" in (bench_run / "report.html").read_text()
