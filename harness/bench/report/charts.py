"""The report's charts, each drawn once with matplotlib and written as PNG (beside the report)
and SVG (inlined in report.html, so it renders offline)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..records import Aggregate  # noqa: E402
from ..stats import BASELINE, CEILING  # noqa: E402
from .model import MIB, View, median  # noqa: E402

PERCENTILE_AXIS = ("p50", "p90", "p99", "p99.9", "max")
INVALID_COLOR = "#d62728"
THOUSANDS = FuncFormatter(lambda x, _pos: f"{x:,.0f}")


@dataclass
class Chart:
    name: str
    title: str
    svg: str
    png: Path


def colors(servers: list[str]) -> dict[str, str]:
    cmap = plt.get_cmap("tab20")
    contenders = [s for s in servers if s not in (BASELINE, CEILING)]
    out = {s: matplotlib.colors.to_hex(cmap(i % 20)) for i, s in enumerate(contenders)}
    out[BASELINE] = "#7f7f7f"
    out[CEILING] = "#4d4d4d"
    return out


def _save(fig: Figure, name: str, title: str, out_dir: Path) -> Chart:
    # Unique SVG ids per chart: several SVGs share one HTML document.
    matplotlib.rcParams["svg.hashsalt"] = name
    fig.tight_layout()
    png = out_dir / f"{name}.png"
    fig.savefig(png, dpi=110)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    return Chart(name, title, svg, png)


def _legend_marks(ax: Axes, rows: list[Aggregate]) -> None:
    """Explains the hatching, only when some bar carries it."""
    handles = []
    if any(a.client_bound for a in rows):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="client-bound"))
    if any(a.database_bound and not a.client_bound for a in rows):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="\\\\", label="database-bound"))
    if any(not a.valid for a in rows):
        handles.append(Patch(facecolor="white", edgecolor=INVALID_COLOR, hatch="xx", label="invalid (errors)"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def throughput_bars(view: View, scenario: str, col: dict[str, str], out_dir: Path) -> Chart:
    conns = view.headline(scenario)
    rows = [(a, a.requests_per_s) for a in view.throughput[scenario][conns] if a.requests_per_s][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(3, len(rows)) + 1.2))
    names = [a.server for a, _ in rows]
    med = [rps.median for _, rps in rows]
    lo = [rps.median - rps.min for _, rps in rows]
    hi = [rps.max - rps.median for _, rps in rows]
    bars = ax.barh(names, med, xerr=[lo, hi], capsize=3, color=[col.get(n, "#333") for n in names], error_kw={"elinewidth": 1})
    for bar, (a, rps) in zip(bars, rows, strict=True):
        if a.client_bound:
            bar.set_hatch("///")
        elif a.database_bound:
            bar.set_hatch("\\\\")
        if not a.valid:
            bar.set_hatch("xx")
            bar.set_edgecolor(INVALID_COLOR)
            bar.set_alpha(0.5)
        label = f"{rps.median:,.0f}"
        if a.pct_of_ceiling is not None and a.server != CEILING:
            label += f"  ({a.pct_of_ceiling:.0f} % of ceiling)"
        elif a.pct_of_baseline is not None and a.server != BASELINE:
            label += f"  ({a.pct_of_baseline:.0f} %)"
        # Right of the whisker, so the label never covers the spread.
        ax.text(rps.max, bar.get_y() + bar.get_height() / 2, "  " + label, va="center", fontsize=8)
    ax.set_xlabel("requests per second (median, whiskers min–max)")
    ax.set_title(f"{scenario} — {conns} connections")
    ax.set_xlim(0, max([rps.max for _, rps in rows] + [1]) * 1.3)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.grid(axis="x", alpha=0.3)
    _legend_marks(ax, [a for a, _ in rows])
    return _save(fig, f"rps-{scenario}", f"{scenario}: req/s per server at {conns} connections", out_dir)


def throughput_vs_connections(view: View, scenario: str, col: dict[str, str], out_dir: Path) -> Chart:
    by_conns = view.throughput[scenario]
    fig, ax = plt.subplots(figsize=(9, 5))
    series: dict[str, list[tuple[int, float, Aggregate]]] = {}
    for conns, aggs in by_conns.items():
        for a in aggs:
            if a.requests_per_s:
                series.setdefault(a.server, []).append((conns, a.requests_per_s.median, a))
    for server, points in series.items():
        xs = [c for c, _, _ in points]
        ys = [m for _, m, _ in points]
        ax.plot(xs, ys, marker="o", label=server, color=col.get(server, "#333"), linestyle="--" if server == BASELINE else "-")
        for c, m, a in points:
            if not a.valid:
                ax.plot([c], [m], marker="x", markersize=12, color=INVALID_COLOR)
            elif a.client_bound:
                ax.plot([c], [m], marker="o", markersize=11, markerfacecolor="none", color="black")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(by_conns), [str(c) for c in sorted(by_conns)])
    ax.set_xlabel("connections")
    ax.set_ylabel("requests per second (median)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set_title(f"{scenario}: req/s vs connections (ringed: client-bound, red ×: invalid)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, f"rps-vs-conns-{scenario}", f"{scenario}: req/s vs connections", out_dir)


def latency_curves(view: View, scenario: str, col: dict[str, str], out_dir: Path) -> Chart:
    by_rate = view.latency[scenario]
    fig, axes = plt.subplots(1, len(by_rate), figsize=(max(7.0, 4.5 * len(by_rate) + 1), 4.8), squeeze=False, sharey=True)
    for ax, (rate, aggs) in zip(axes[0], by_rate.items(), strict=True):
        for a in aggs:
            lat = a.latency_ms or {}
            pts = [(i, stat.median) for i, k in enumerate(PERCENTILE_AXIS) if (stat := lat.get(k))]
            if not pts:
                continue
            linestyle = ":" if not a.valid else ("--" if a.server == BASELINE else "-")
            label = a.server + (" (invalid)" if not a.valid else "") + (" (client-bound)" if a.client_bound else "")
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                marker="o",
                label=label,
                color=INVALID_COLOR if not a.valid else col.get(a.server, "#333"),
                linestyle=linestyle,
            )
        ax.set_xticks(range(len(PERCENTILE_AXIS)), PERCENTILE_AXIS)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:g}"))
        ax.set_title(f"{rate:,} req/s")
        ax.set_xlabel("percentile")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("latency, ms (log)")
    fig.suptitle(f"{scenario}: latency percentiles at fixed rates\n(open loop, coordinated-omission corrected)")
    return _save(fig, f"latency-{scenario}", f"{scenario}: latency percentiles", out_dir)


def _dot_plot(
    view: View, value: Callable[[Aggregate], float | None], xlabel: str, name: str, title: str, out_dir: Path
) -> Chart | None:
    """One row per server, one coloured dot per scenario (headline cell): readable with many servers."""
    scenarios = list(view.throughput) + list(view.latency)
    cells = {s: view.headline_rows(s) for s in view.throughput}
    for s, by_rate in view.latency.items():
        cells[s] = by_rate[max(by_rate)]
    servers = view.servers
    fig, ax = plt.subplots(figsize=(9, 0.4 * max(4, len(servers)) + 1.5))
    cmap = plt.get_cmap("tab10")
    drew = False
    for j, s in enumerate(scenarios):
        pts = [(servers.index(a.server), v, a) for a in cells[s] if a.server in servers and (v := value(a))]
        if not pts:
            continue
        drew = True
        offset = (j - (len(scenarios) - 1) / 2) * 0.08
        ax.scatter(
            [p[1] for p in pts],
            [p[0] + offset for p in pts],
            color=cmap(j % 10),
            label=s,
            s=28,
            marker="o",
            edgecolors=[INVALID_COLOR if not p[2].valid else "none" for p in pts],
            linewidths=1.5,
        )
    if not drew:
        plt.close(fig)
        return None
    ax.set_yticks(range(len(servers)), servers)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    return _save(fig, name, title, out_dir)


def cpu_per_request(view: View, out_dir: Path) -> Chart | None:
    return _dot_plot(
        view,
        lambda a: median(a.server_cpu_us_per_request),
        "server CPU µs per request (median; lower is better)",
        "cpu-per-request",
        "Server CPU per request, by scenario",
        out_dir,
    )


def memory(view: View, out_dir: Path) -> Chart | None:
    return _dot_plot(
        view,
        lambda a: (median(a.server_peak_rss_bytes) or 0) / MIB or None,
        "server peak RSS, MiB (median)",
        "memory",
        "Server peak memory (RSS), by scenario",
        out_dir,
    )


def draw_all(view: View, out_dir: Path) -> list[Chart]:
    out_dir.mkdir(parents=True, exist_ok=True)
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    col = colors(view.servers)
    charts: list[Chart] = []
    for scenario, by_conns in view.throughput.items():
        charts.append(throughput_bars(view, scenario, col, out_dir))
        if len(by_conns) > 1:
            charts.append(throughput_vs_connections(view, scenario, col, out_dir))
    for scenario in view.latency:
        charts.append(latency_curves(view, scenario, col, out_dir))
    charts += [c for c in (cpu_per_request(view, out_dir), memory(view, out_dir)) if c]
    return charts
