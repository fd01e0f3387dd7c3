"""The quick profile end to end on hyper + baseline: results.json valid against its schema, the
report written, and report.html drawn by a real browser."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import registry
from harness.bench import results, suite
from harness.bench.report import screenshot
from harness.tools import find_oha, find_wrk

pytest.importorskip("matplotlib")
pytest.importorskip("jsonschema")

SERVERS = ["hyper"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_wrk() is None:
        pytest.skip("wrk is not installed: run `nox -s build` (it installs wrk and oha)")
    specs = registry.discover()
    missing = [n for n in (*SERVERS, "baseline") if not specs[n].build.binary.exists()]
    if missing:
        pytest.skip(f"not built: {missing}; run `python -m harness build {' '.join(missing)}`")
    # One throughput scenario, plus the latency one when oha is there: both drivers end to end.
    scenarios = ["plaintext"] + (["json-latency"] if find_oha() else [])
    out = tmp_path_factory.mktemp("bench") / "run"
    suite.run(
        profile_name="quick",
        server_names=SERVERS,
        scenario_names=scenarios,
        server_cpus=None,
        client_cpus=None,
        workers=None,
        out=out,
    )
    return out


@pytest.mark.timeout(120)
def test_results_follow_the_schema(run_dir: Path):
    doc = json.loads((run_dir / "results.json").read_text())
    results.validate(doc)
    assert doc["plan"]["servers"][0] == "baseline"
    servers = {a["server"] for a in doc["aggregates"]}
    assert servers == {"baseline", *SERVERS}
    for run in doc["runs"]:
        assert run["requests"] > 0 and run["server_cpu_s"] is not None and run["server_peak_rss_bytes"]
        for rel in run["raw"].values():
            assert (run_dir / rel).exists(), rel
    assert doc["environment"]["frameworks"]["hyper"]["version"] not in ("", "?")


def test_report_files_exist(run_dir: Path):
    md = (run_dir / "report.md").read_text()
    assert "| `hyper` |" in md or "`hyper`" in md
    assert (run_dir / "report.html").stat().st_size > 10_000
    assert (run_dir / "charts" / "rps-plaintext.png").exists()


def test_report_rebuilds_and_compares(run_dir: Path):
    from harness.bench.report.build import build

    files = build(run_dir, compare_dir=run_dir, take_screenshot=False)
    assert "## Comparison with" in files.markdown.read_text()
    assert "1.000" in files.markdown.read_text()


def test_rebuilt_report_shows_the_readiness_of_its_run(run_dir: Path, tmp_path: Path):
    """The matrix comes from the snapshot the bench kept in the run directory, never from today's
    test results: a rebuilt report of an old run shows what that run showed, or no matrix at all."""
    from harness import readiness
    from harness.bench.report.build import READINESS_NAME, build

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    assert (copy / READINESS_NAME).exists()
    rows = readiness.load(copy / READINESS_NAME)
    assert rows, "the bench kept no readiness rows"
    rows[0].server = "kept-with-the-run"
    readiness.dump(rows, copy / READINESS_NAME)
    md = build(copy, take_screenshot=False).markdown.read_text()
    assert "| kept-with-the-run |" in md
    (copy / READINESS_NAME).unlink()
    md = build(copy, take_screenshot=False).markdown.read_text()
    assert readiness.TITLE not in md and "kept-with-the-run" not in md


@pytest.mark.skipif(screenshot.find_chromium() is None, reason="headless Chromium is not installed (Debian: chromium)")
def test_browser_draws_the_charts(run_dir: Path):
    dom = screenshot.dump_dom(run_dir / "report.html")
    assert dom is not None
    n_charts = len(list((run_dir / "charts").glob("*.png")))
    assert dom.count("<svg") >= n_charts >= 3
    assert dom.count("<path") > 50  # bars, axes and lines, not empty frames
    shot = run_dir / "report-screenshot.png"
    assert shot.exists(), "the bench run saves a screenshot of its report"
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    # Not blank: a drawn page has many distinct colours and real contrast.
    assert pixels.std() > 0.05
    assert len({tuple(p) for p in pixels[::16, ::16, :3].reshape(-1, 3).round(2).tolist()}) > 20


def test_wrk_flags_every_non_2xx_response(tmp_path: Path):
    """A path the server answers 404 makes every response an error, with and without the check hook."""
    from harness.bench import wrk
    from harness.bench.scenarios import Scenario
    from harness.process import ServerProcess

    spec = registry.discover()["hyper"]
    if find_wrk() is None or not spec.build.binary.exists():
        pytest.skip("needs wrk and a built hyper")
    sc = Scenario(name="missing", kind="throughput", path="/users/{id}", ids=(0, 0))
    with ServerProcess(spec, workers=1, log_dir=tmp_path) as srv:
        for check in (True, False):
            res, tool = wrk.run(
                find_wrk(),
                sc,
                srv.url,
                connections=4,
                threads=1,
                duration_s=1,
                check=check,
                cpus=None,
                out_dir=tmp_path,
                name=f"missing-{check}",
            )
            assert res.requests > 0 and res.errors["status"] == res.requests
            assert res.raw["non2xx"] == (res.requests if check else 0)
            assert tool.cpu_s > 0
