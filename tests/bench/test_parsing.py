"""Parsing of the load generators' outputs."""

from __future__ import annotations

import json

from harness.bench import oha, wrk


def test_wrk_summary_counts_every_error_kind():
    text = json.dumps(
        {
            "duration_us": 2_000_000,
            "requests": 50_000,
            "bytes": 6_000_000,
            "errors": {"connect": 1, "read": 2, "write": 0, "status": 3, "timeout": 4},
            "non2xx": 5,
            "threads": 1,
            "latency_us": {"p50": 100.0, "p99": None},
        }
    )
    res = wrk.parse(text)
    assert res.duration_s == 2.0 and res.requests == 50_000 and res.bytes == 6_000_000
    # non2xx counts every non-2xx; the 3 >= 400 that wrk itself counted are not counted twice.
    assert res.errors == {"connect": 1, "read": 2, "write": 0, "status": 3, "timeout": 4, "non2xx": 2}
    assert res.error_total == 12


def test_wrk_summary_without_check_has_no_non2xx():
    text = json.dumps(
        {
            "duration_us": 1_000_000,
            "requests": 10,
            "bytes": 100,
            "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
            "non2xx": 0,
        }
    )
    assert wrk.parse(text).error_total == 0


def _oha(status: dict, errors: dict) -> str:
    return json.dumps(
        {
            "summary": {
                "successRate": 1.0,
                "total": 2.0,
                "slowest": 0.012,
                "fastest": 0.0001,
                "average": 0.001,
                "requestsPerSec": 5000.0,
                "totalData": 270_000,
                "sizePerRequest": 27,
                "sizePerSec": 135_000.0,
            },
            "latencyPercentiles": {"p10": 0.0002, "p50": 0.0005, "p90": 0.001, "p99": 0.004, "p99.9": 0.009, "p99.99": 0.011},
            "statusCodeDistribution": status,
            "errorDistribution": errors,
        }
    )


def test_oha_latency_in_ms_and_deadline_aborts_are_not_errors():
    res = oha.parse(_oha({"200": 10_000}, {"aborted due to deadline": 7}))
    assert res.requests == 10_000 and res.duration_s == 2.0 and res.bytes == 270_000
    assert res.errors == {}
    assert res.latency_ms["p50"] == 0.5 and res.latency_ms["p99.9"] == 9.0 and res.latency_ms["max"] == 12.0


def test_oha_non2xx_and_connection_errors_count():
    res = oha.parse(_oha({"200": 90, "404": 3, "301": 1}, {"connection refused": 2, "aborted due to deadline": 5}))
    assert res.errors == {"non2xx": 4, "connection refused": 2}
    assert res.error_total == 6


def test_wrk_argv_pipelined_and_ids(tmp_path):
    from harness.bench.scenarios import Scenario

    sc = Scenario(name="users", kind="throughput", path="/users/{id}", ids=(1, 100))
    cmd = wrk.argv("wrk", sc, "http://127.0.0.1:1", connections=64, threads=4, duration_s=2, check=False)
    assert cmd[-6:] == ["http://127.0.0.1:1/users/{id}", "--", "1", "1", "100", "0"]
    assert cmd[cmd.index("-t") + 1] == "4" and cmd[cmd.index("-c") + 1] == "64"
    one = wrk.argv("wrk", sc, "http://h", connections=1, threads=4, duration_s=2, check=True)
    # wrk needs at least one connection per thread.
    assert one[one.index("-t") + 1] == "1" and one[-1] == "1"


def test_oha_argv_is_open_loop_and_corrected(tmp_path):
    from harness.bench.scenarios import Scenario

    sc = Scenario(name="json-latency", kind="latency", path="/json")
    cmd = oha.argv("oha", sc, "http://h", connections=64, rate=5000, duration_s=15, threads=1, out_file=tmp_path / "o")
    assert "--latency-correction" in cmd and cmd[cmd.index("-q") + 1] == "5000" and cmd[-1] == "http://h/json"
