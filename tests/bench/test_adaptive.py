"""Adaptive rounds: the default profile's bound on wall time, extra rounds only for cells whose
rounds disagree, stolen rounds measured again, and the agreement of two runs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from harness import registry
from harness.bench import agreement, plan, runner, scenarios, stats
from harness.bench import suite as bench_suite
from harness.bench.scenarios import Profile, Scenario
from harness.tools import Tools

from .test_stats import record

THIRTY_MINUTES = 30 * 60
# The registered servers the 30-minute promise is made for: 13 contenders, 2 more ASGI servers on the
# way, and the baseline; every contender with database endpoints (the worst case for the budget).
PROMISED_SERVERS = 16


def promised_roster(profile: str) -> dict[plan.Cell, list[str]]:
    suite = scenarios.load()
    n = max(PROMISED_SERVERS, len(registry.discover()))
    specs = [SimpleNamespace(name="baseline", database=None, contender=False)]
    specs += [SimpleNamespace(name=f"server-{i}", database=object(), contender=True) for i in range(1, n)]
    names = [plan.CEILING] + [s.name for s in specs]
    chosen = [s for s in suite.scenarios.values() if s.cells(profile)]
    return plan.roster(names, chosen, profile, bench_suite.serves(specs))


def test_default_profile_fits_thirty_minutes_with_every_cell_at_its_cap():
    suite = scenarios.load()
    profile = suite.profiles[suite.default_profile]
    chosen = [s for s in suite.scenarios.values() if s.cells(profile.name)]
    # Every scenario is measured by default, the database ones among them.
    assert [s.name for s in chosen] == list(suite.scenarios)
    assert {"db", "queries", "fortunes", "updates"} <= {s.name for s in chosen if s.database}
    roster = promised_roster(profile.name)
    pairs = plan.pairs(roster)
    # Baseline never serves a database cell; the ceiling serves only those.
    n_db = sum(1 for c in roster if suite.scenarios[c.scenario].database)
    n_http = len(roster) - n_db
    assert pairs == PROMISED_SERVERS * n_http + PROMISED_SERVERS * n_db  # (n - 1) servers + the ceiling
    est = plan.estimate(pairs, profile, database=True)
    assert profile.cap > profile.repeats, "the default profile spends extra rounds where the noise is"
    assert est.max_runs == pairs * profile.cap
    assert est.setup_s == plan.DATABASE_SETUP_S > 0
    assert est.max_seconds == pytest.approx(pairs * profile.cap * plan.run_seconds(profile) + plan.DATABASE_SETUP_S)
    assert est.max_seconds <= THIRTY_MINUTES, plan.human_duration(est.max_seconds)
    assert est.seconds < est.max_seconds


def test_the_estimate_fails_when_the_plan_outgrows_thirty_minutes():
    """The bound above can fail: one more scenario at the cap breaks it."""
    suite = scenarios.load()
    profile = suite.profiles[suite.default_profile]
    pairs = plan.pairs(promised_roster(profile.name))
    assert plan.estimate(pairs + PROMISED_SERVERS, profile, database=True).max_seconds > THIRTY_MINUTES


def test_thorough_is_the_former_full_profile_plus_the_database_scenarios():
    suite = scenarios.load()
    thorough = suite.profiles["thorough"]
    assert (thorough.duration_s, thorough.warmup_s, thorough.repeats, thorough.cap) == (15, 2, 3, 3)
    http = [s for s in suite.scenarios.values() if not s.database]
    assert len(plan.cells(http, "thorough")) == 12
    db_cells = plan.cells([s for s in suite.scenarios.values() if s.database], "thorough")
    assert [c.scenario for c in db_cells] == ["db", "queries", "fortunes", "updates"]
    est = plan.estimate(plan.pairs(promised_roster("thorough")), thorough, database=True)
    assert 3 * 3600 < est.max_seconds < 4 * 3600


def test_spread_is_the_larger_relative_range_of_cpu_per_request_and_rps():
    runs = [record("a", 100.0, round_=1), record("a", 110.0, round_=2)]
    # Same server CPU seconds, so µs/request spreads like the request counts.
    assert stats.spread(runs) == pytest.approx(10 / 105)
    assert stats.spread(runs[:1]) is None
    runs[1].server_cpu_us_per_request = runs[0].server_cpu_us_per_request
    assert stats.spread(runs) == pytest.approx(10 / 105)  # req/s still spreads
    invalid = record("a", 500.0, round_=3, errors={"read": 1})
    assert stats.spread([*runs, invalid]) == pytest.approx(10 / 105)  # invalid runs do not count


PROFILE = Profile("t", 1, 0, 2, max_rounds=4, spread_bound=0.05)
SCENARIO = Scenario(name="plaintext", kind="throughput", path="/plaintext", connections={"t": (64,)})


def run_plan(monkeypatch, tmp_path: Path, values: dict[str, list[tuple[float, float]]], profile: Profile = PROFILE):
    """Executes a plan whose measures are scripted per server as (req/s, steal) in order."""
    scripted = {server: list(v) for server, v in values.items()}

    def fake_measure(cfg, spec, scenario, run, outcome):
        rps, steal = scripted[run.server].pop(0)
        rec = record(run.server, rps, round_=run.round)
        rec.run_id, rec.attempt, rec.steal_share = run.run_id, run.attempt, steal
        # Steady CPU per request: the req/s scripted here is what spreads.
        rec.server_cpu_us_per_request = 10.0
        return rec

    monkeypatch.setattr(runner, "measure_run", fake_measure)
    specs = [SimpleNamespace(name=s) for s in values]
    cfg = runner.BenchConfig(profile, [SCENARIO], specs, {0}, {1}, 1, tmp_path, Tools(wrk="wrk", oha=None))
    runs = plan.build(list(values), [SCENARIO], profile)
    outcome = runner.execute(cfg, runs, Console(file=open(tmp_path / "console.txt", "w")))
    return outcome, scripted


def test_only_cells_above_the_bound_get_more_rounds_interleaved_up_to_the_cap(monkeypatch, tmp_path):
    outcome, left = run_plan(
        monkeypatch,
        tmp_path,
        {
            "steady": [(100.0, 0.0), (101.0, 0.0)],
            "noisy": [(100.0, 0.0), (130.0, 0.0), (120.0, 0.0), (125.0, 0.0), (1.0, 0.0)],
            # 5.2 over a median of 102.6 is above 5 %; a third round at 105.2 moves the median up
            # enough (5.2 / 105.2 < 5 %). Min–max never narrows as rounds are added: only the
            # median moves, so most cells above the bound run to the cap.
            "settles": [(100.0, 0.0), (105.2, 0.0), (105.2, 0.0), (1.0, 0.0)],
        },
    )
    assert [(r.server, r.round) for r in outcome.runs] == [
        ("steady", 1),
        ("noisy", 1),
        ("settles", 1),
        ("steady", 2),
        ("noisy", 2),
        ("settles", 2),
        ("noisy", 3),
        ("settles", 3),
        ("noisy", 4),
    ]
    aggs = {a.server: a for a in stats.aggregate(outcome.runs, {"steady": True, "noisy": True, "settles": True})}
    assert aggs["steady"].n_runs == 2 and aggs["steady"].spread == pytest.approx(1 / 100.5)
    assert aggs["settles"].n_runs == 3 and aggs["settles"].spread <= PROFILE.spread_bound
    assert aggs["noisy"].n_runs == 4 and aggs["noisy"].spread > PROFILE.spread_bound  # the cap
    assert left == {"steady": [], "noisy": [(1.0, 0.0)], "settles": [(1.0, 0.0)]}


def test_a_stolen_round_is_measured_again_at_once_and_counts_once(monkeypatch, tmp_path):
    outcome, left = run_plan(
        monkeypatch,
        tmp_path,
        {"a": [(100.0, 0.30), (101.0, 0.0), (100.0, 0.0)], "b": [(50.0, 0.0), (50.0, 0.0)]},
    )
    assert [(r.server, r.round, r.attempt, r.superseded) for r in outcome.runs] == [
        ("a", 1, 1, True),
        ("a", 1, 2, False),  # at once, before b: the round keeps its place
        ("b", 1, 1, False),
        ("a", 2, 1, False),
        ("b", 2, 1, False),
    ]
    assert outcome.runs[1].run_id == "a-plaintext-c64-1.2"
    (agg,) = [a for a in stats.aggregate(outcome.runs, {"a": True, "b": True}) if a.server == "a"]
    assert agg.n_runs == 2 and agg.remeasured == 1 and agg.stolen_runs == 0
    assert agg.requests_per_s.median == pytest.approx(100.5)


def test_re_measures_are_bounded_by_the_cap_and_never_cost_a_round(monkeypatch, tmp_path):
    always_stolen = [(100.0, 0.5)] * 10
    outcome, left = run_plan(monkeypatch, tmp_path, {"a": always_stolen})
    # A round is measured twice at most; the stolen cell then has no spread to judge (its rounds
    # are stolen, not noisy), and the cap of 4 would stop it anyway.
    assert [(r.round, r.attempt) for r in outcome.runs] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    (agg,) = stats.aggregate(outcome.runs, {"a": True})
    assert agg.n_runs == 2 and agg.remeasured == 2 and agg.stolen_runs == 2


def test_re_measures_never_cost_a_round(monkeypatch, tmp_path):
    tight = Profile("t", 1, 0, 2, max_rounds=3)
    outcome, left = run_plan(monkeypatch, tmp_path, {"a": [(100.0, 0.5)] * 3 + [(100.0, 0.0)] * 3}, tight)
    # Round 1 takes the one spare run; round 2 is owed and runs, stolen, without a re-measure.
    assert [(r.round, r.attempt, r.superseded) for r in outcome.runs] == [(1, 1, True), (1, 2, False), (2, 1, False)]


def test_quick_profile_never_repeats(monkeypatch, tmp_path):
    quick = Profile("t", 1, 0, 1)
    outcome, left = run_plan(monkeypatch, tmp_path, {"a": [(100.0, 0.5), (1.0, 0.0)]}, quick)
    assert len(outcome.runs) == 1 and not outcome.runs[0].superseded


def test_an_invalid_cell_gets_no_extra_rounds(monkeypatch, tmp_path):
    def fake(cfg, spec, scenario, run, outcome):
        return record(run.server, 100.0 * run.round, round_=run.round, errors={"read": 1})

    monkeypatch.setattr(runner, "measure_run", fake)
    cfg = runner.BenchConfig(PROFILE, [SCENARIO], [SimpleNamespace(name="a")], {0}, {1}, 1, tmp_path, Tools(wrk="wrk", oha=None))
    outcome = runner.execute(cfg, plan.build(["a"], [SCENARIO], PROFILE), Console(file=open(tmp_path / "c.txt", "w")))
    assert len(outcome.runs) == 2


def run_on_a_clock(monkeypatch, tmp_path: Path, values: dict[str, list[tuple[float, float]]], profile: Profile):
    """run_plan with a clock that moves one run's planned seconds per measured run."""
    now = [1000.0]

    def fake_measure(cfg, spec, scenario, run, outcome):
        now[0] += plan.run_seconds(profile)
        rps, steal = scripted[run.server].pop(0)
        rec = record(run.server, rps, round_=run.round)
        rec.run_id, rec.attempt, rec.steal_share = run.run_id, run.attempt, steal
        rec.server_cpu_us_per_request = 10.0
        return rec

    scripted = {server: list(v) for server, v in values.items()}
    monkeypatch.setattr(runner.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(runner, "measure_run", fake_measure)
    cfg = runner.BenchConfig(
        profile, [SCENARIO], [SimpleNamespace(name=s) for s in values], {0}, {1}, 1, tmp_path, Tools(wrk="wrk", oha=None)
    )
    outcome = runner.execute(cfg, plan.build(list(values), [SCENARIO], profile), Console(file=open(tmp_path / "c.txt", "w")))
    return outcome


def test_the_budget_stops_extra_rounds_but_never_a_planned_one(monkeypatch, tmp_path):
    per_run = plan.run_seconds(PROFILE)
    # Room for the four planned runs and one more.
    budgeted = Profile("t", 1, 0, 2, max_rounds=4, spread_bound=0.05, budget_s=5.5 * per_run)
    noisy = [(100.0, 0.0), (130.0, 0.0), (120.0, 0.0), (125.0, 0.0)]
    outcome = run_on_a_clock(monkeypatch, tmp_path, {"a": list(noisy), "b": list(noisy)}, budgeted)
    assert [(r.server, r.round) for r in outcome.runs] == [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3)]
    # b's third round, then both fourth rounds: each refused when its turn came.
    assert outcome.refused_by_budget == 3
    # Without the budget the same cells run to the cap.
    unbounded = Profile("t", 1, 0, 2, max_rounds=4, spread_bound=0.05)
    outcome = run_on_a_clock(monkeypatch, tmp_path, {"a": list(noisy), "b": list(noisy)}, unbounded)
    assert len(outcome.runs) == 8 and outcome.refused_by_budget == 0


def test_a_budget_already_spent_still_runs_every_planned_round(monkeypatch, tmp_path):
    tiny = Profile("t", 1, 0, 2, max_rounds=4, spread_bound=0.05, budget_s=0.1)
    outcome = run_on_a_clock(monkeypatch, tmp_path, {"a": [(100.0, 0.5), (100.0, 0.0)], "b": [(50.0, 0.0), (90.0, 0.0)]}, tiny)
    # a's stolen first round is not measured again: the budget keeps room for the rounds owed, not for re-measures.
    assert [(r.server, r.round, r.attempt) for r in outcome.runs] == [("a", 1, 1), ("b", 1, 1), ("a", 2, 1), ("b", 2, 1)]
    assert outcome.refused_by_budget == 3  # a's re-measure, b's third and fourth rounds (a's two agree)


def test_the_default_profile_has_a_budget_of_at_most_thirty_minutes():
    suite = scenarios.load()
    budget = suite.profiles[suite.default_profile].budget_s
    assert budget is not None and budget <= THIRTY_MINUTES
    # What the bench runs with: the profile as the command line resolves it, overrides or not.
    assert bench_suite.resolve_profile(suite, None, None, None, None).budget_s == budget
    assert bench_suite.resolve_profile(suite, None, 3.0, 2, 4).budget_s == budget


# --- agreement of two runs ------------------------------------------------------------------------


def doc(run_id: str, values: dict[str, float], stolen: tuple[str, ...] = ()) -> dict:
    """One cell; each server's µs/request set through its server CPU seconds."""
    runs = []
    for server, us in values.items():
        rec = record(server, 1000.0)
        rec.server_cpu_us_per_request = us
        rec.steal_share = 0.2 if server in stolen else 0.0
        runs.append(rec)
    return {"run_id": run_id, "aggregates": stats.aggregate(runs, {s: s != "baseline" for s in values})}


def test_runs_agree_when_order_and_medians_hold():
    a = doc("A", {"x": 10.0, "y": 20.0, "z": 30.0, "baseline": 5.0})
    b = doc("B", {"x": 10.2, "y": 19.5, "z": 31.0, "baseline": 5.1})
    result = agreement.compare(a, b)
    assert result.agrees and result.flips == 0
    (cell,) = result.cells
    assert cell.rho == pytest.approx(1.0) and cell.same_order and cell.servers == 3  # contenders only
    assert len(result.judged) == 4
    md = agreement.render_markdown(result)
    assert "the runs **agree**" in md and "| plaintext @ 64 conns | 3 | 1.000 | yes | none |" in md


def test_a_close_pair_may_swap_but_a_clear_one_may_not():
    a = doc("A", {"x": 10.0, "y": 10.2, "z": 30.0})
    b = doc("B", {"x": 10.3, "y": 10.1, "z": 30.0})
    result = agreement.compare(a, b)
    assert not result.cells[0].same_order and result.flips == 0 and result.agrees
    c = doc("C", {"x": 20.0, "y": 10.0, "z": 30.0})
    d = doc("D", {"x": 10.0, "y": 20.0, "z": 30.0})
    flipped = agreement.compare(c, d)
    assert flipped.cells[0].flips == [("x", "y")] and not flipped.agrees


def test_medians_apart_fail_unless_a_run_was_stolen_from():
    a = doc("A", {"x": 10.0, "y": 20.0})
    b = doc("B", {"x": 11.0, "y": 20.0})
    assert [m.server for m in agreement.compare(a, b).over] == ["x"]
    stolen = doc("B", {"x": 11.0, "y": 20.0}, stolen=("x",))
    result = agreement.compare(a, stolen)
    assert result.agrees and [m.server for m in result.judged] == ["y"]
    assert agreement.difference(10.0, 11.0) == pytest.approx(0.1) == agreement.difference(11.0, 10.0)


def test_spearman_with_ties():
    assert agreement.ranks([3.0, 1.0, 3.0]) == [2.5, 1.0, 2.5]
    assert agreement.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert agreement.spearman([1, 2], [1, 2]) is None
