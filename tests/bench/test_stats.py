"""Aggregation, the client-bound flag and invalid-run handling."""

from __future__ import annotations

import pytest

from harness.bench import measure, plan, runner, stats
from harness.bench.scenarios import Profile


def record(
    server: str,
    rps: float,
    *,
    round_: int = 1,
    errors: dict | None = None,
    client_cpu: float = 0.5,
    scenario: str = "plaintext",
    conns: int = 64,
) -> dict:
    run = plan.Run(server, plan.Cell(scenario, "throughput", conns), round_)
    rec = runner.empty_record(run, "wrk")
    return runner.fill(
        rec,
        duration_s=10.0,
        requests=int(rps * 10),
        transfer=1000,
        errors=errors or {},
        server_cpu_s=5.0,
        client_cpu_s=client_cpu * 10,
        client_wall_s=10.0,
        client_cpus=1,
    )


def test_summarize_median_min_max_ignores_missing():
    assert stats.summarize([3.0, None, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert stats.summarize([4.0, 1.0]) == {"median": 2.5, "min": 1.0, "max": 4.0}
    assert stats.summarize([None]) is None


@pytest.mark.parametrize(
    ("cpu", "wall", "n", "bound"),
    [(9.0, 10.0, 1, True), (8.9, 10.0, 1, False), (18.0, 10.0, 2, True), (9.0, 10.0, 2, False), (1.0, 0.0, 1, False)],
)
def test_client_bound_threshold(cpu, wall, n, bound):
    assert measure.client_bound(cpu, wall, n) is bound


def test_fill_derives_per_request_numbers():
    r = record("hyper", 1000.0, client_cpu=0.95)
    assert r["requests_per_s"] == 1000.0 and r["server_cpu_us_per_request"] == pytest.approx(500.0)
    assert r["client_bound"] and r["valid"] and r["client_cpu_share"] == pytest.approx(0.95)


def test_any_error_makes_a_run_invalid():
    r = record("hyper", 1000.0, errors={"timeout": 1, "read": 0})
    assert not r["valid"] and r["errors"] == {"timeout": 1} and r["error_total"] == 1
    assert any("timeout=1" in reason for reason in r["invalid_reasons"])


def test_aggregate_medians_ranks_and_baseline_percent():
    runs = [record("baseline", v, round_=i) for i, v in enumerate((200.0, 210.0, 190.0), 1)]
    runs += [record("a", v, round_=i) for i, v in enumerate((100.0, 120.0, 110.0), 1)]
    runs += [record("b", v, round_=i) for i, v in enumerate((150.0, 140.0, 160.0), 1)]
    aggs = {a["server"]: a for a in stats.aggregate(runs, {"baseline": False, "a": True, "b": True})}
    assert aggs["a"]["requests_per_s"] == {"median": 110.0, "min": 100.0, "max": 120.0}
    assert aggs["b"]["rank"] == 1 and aggs["a"]["rank"] == 2 and aggs["baseline"]["rank"] is None
    assert aggs["a"]["pct_of_baseline"] == pytest.approx(55.0)


def test_invalid_cell_is_shown_but_never_ranked():
    runs = [record("a", 100.0), record("b", 1e9, errors={"non2xx": 5}), record("b", 1e9, round_=2)]
    aggs = {a["server"]: a for a in stats.aggregate(runs, {"a": True, "b": True})}
    assert not aggs["b"]["valid"] and aggs["b"]["rank"] is None and aggs["b"]["n_valid"] == 1
    assert aggs["a"]["rank"] == 1
    # Statistics come from valid runs only.
    assert aggs["b"]["requests_per_s"]["median"] == 1e9


def test_plan_interleaves_servers_round_by_round():
    from harness.bench.scenarios import Scenario

    sc = [Scenario(name="p", kind="throughput", path="/p", connections={"x": (16, 64)})]
    runs = plan.build(["A", "B"], sc, Profile("x", 1, 0, 2))
    assert [(r.server, r.cell.connections, r.round) for r in runs] == [
        ("A", 16, 1),
        ("B", 16, 1),
        ("A", 64, 1),
        ("B", 64, 1),
        ("A", 16, 2),
        ("B", 16, 2),
        ("A", 64, 2),
        ("B", 64, 2),
    ]


def test_all_invalid_cell_still_shows_its_numbers():
    runs = [record("a", 100.0, errors={"read": 1}), record("a", 300.0, round_=2, errors={"read": 2})]
    (agg,) = stats.aggregate(runs, {"a": True})
    assert not agg["valid"] and agg["rank"] is None and agg["n_valid"] == 0
    assert agg["requests_per_s"]["median"] == 200.0


def test_steal_share_over_a_window():
    steal, total = measure.cpu_jiffies({0})
    assert total > 0 and 0 <= steal <= total
    assert measure.steal_share((10, 1000), (30, 1400)) == pytest.approx(0.05)
    assert measure.steal_share((10, 1000), (10, 1000)) is None


def test_busy_machine_note_from_load_or_steal():
    from harness.bench.report.model import busy_machine_note

    def doc(load: float, steal: float | None) -> dict:
        runs = [{"loadavg_1m": load, "steal_share": steal} for _ in range(3)]
        return {"runs": runs, "config": {"server_cpus": [0], "client_cpus": [1]}, "environment": {"cpus_online": 2}}

    assert busy_machine_note(doc(2.1, 0.01)) is None
    assert busy_machine_note(doc(2.1, None)) is None
    assert "load average was 6.0" in busy_machine_note(doc(6.0, 0.0))
    note = busy_machine_note(doc(2.0, 0.12))
    assert "12 % of the pinned CPUs' time" in note and "load average" not in note


def test_stolen_runs_are_counted_and_flagged():
    from harness.bench.report import markdown

    runs = [record("a", 100.0, round_=i) for i in (1, 2, 3)]
    runs[0]["steal_share"], runs[1]["steal_share"] = 0.4, 0.02
    (agg,) = stats.aggregate(runs, {"a": True})
    assert agg["stolen_runs"] == 1 and agg["steal_share"] == {"median": pytest.approx(0.21), "min": 0.02, "max": 0.4}
    assert agg["valid"] and agg["rank"] == 1
    assert "⚠ CPU stolen (1/3)" in markdown._mark(agg)
