"""Do two runs of the same plan agree? The test of a profile's trust: two runs back to back should
rank the servers the same on server CPU µs per request and find the same medians.

How they are compared (`compare`):
- **Ranking**, per cell, over the contenders valid in both runs: Spearman's rank correlation of
  their median server CPU µs/request, whether the order is the same, and the *flips*: pairs of
  servers each run orders the other way round while separating them by more than the tolerance in
  both. Two servers closer than that are a tie within the runs' noise, and their order is no claim.
- **Medians**, per server and cell valid in both runs: the difference max/min - 1 of the median
  server CPU µs/request (and, shown beside it, of req/s). Judged only where neither run had a round
  that lost CPU to the hypervisor (stolen from: the machine, not the server, set those numbers).

The runs agree when no cell has a flip and every judged median differs by at most the tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .records import Aggregate, CellKey
from .results import RunDocument

TOLERANCE = 0.05


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their places."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman's rank correlation (Pearson's over the ranks, so ties are handled); None under three
    values or when one side is constant."""
    if len(a) != len(b) or len(a) < 3:
        return None
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    return cov / (va * vb) ** 0.5 if va > 0 and vb > 0 else None


def difference(x: float | None, y: float | None) -> float | None:
    """max/min - 1: symmetric, and never smaller than |x/y - 1| either way round."""
    if x is None or y is None or x <= 0 or y <= 0:
        return None
    return max(x, y) / min(x, y) - 1


def _label(cell: CellKey) -> str:
    scenario, conns, rate = cell
    return f"{scenario} @ {rate} req/s" if rate else f"{scenario} @ {conns} conns"


@dataclass(frozen=True)
class CellRanking:
    cell: CellKey
    servers: int
    rho: float | None
    same_order: bool
    flips: list[tuple[str, str]]

    @property
    def label(self) -> str:
        return _label(self.cell)


@dataclass(frozen=True)
class MedianPair:
    server: str
    cell: CellKey
    us_a: float | None
    us_b: float | None
    rps_a: float | None
    rps_b: float | None
    stolen: bool

    @property
    def label(self) -> str:
        return _label(self.cell)

    @property
    def us_diff(self) -> float | None:
        return difference(self.us_a, self.us_b)

    @property
    def rps_diff(self) -> float | None:
        return difference(self.rps_a, self.rps_b)


@dataclass(frozen=True)
class Agreement:
    run_a: str
    run_b: str
    tolerance: float
    cells: list[CellRanking]
    medians: list[MedianPair]

    @property
    def judged(self) -> list[MedianPair]:
        return [m for m in self.medians if not m.stolen and m.us_diff is not None]

    @property
    def over(self) -> list[MedianPair]:
        return [m for m in self.judged if (m.us_diff or 0) > self.tolerance]

    @property
    def flips(self) -> int:
        return sum(len(c.flips) for c in self.cells)

    @property
    def agrees(self) -> bool:
        return not self.flips and not self.over and bool(self.judged)


def _us(a: Aggregate) -> float | None:
    return a.server_cpu_us_per_request.median if a.server_cpu_us_per_request else None


def _rps(a: Aggregate) -> float | None:
    return a.requests_per_s.median if a.requests_per_s else None


def compare(a: RunDocument, b: RunDocument, *, tolerance: float = TOLERANCE) -> Agreement:
    theirs = {(x.server, x.cell_key): x for x in b["aggregates"]}
    both = [(x, theirs[(x.server, x.cell_key)]) for x in a["aggregates"] if (x.server, x.cell_key) in theirs]
    both = [(x, y) for x, y in both if x.valid and y.valid]
    medians = [
        MedianPair(x.server, x.cell_key, _us(x), _us(y), _rps(x), _rps(y), bool(x.stolen_runs or y.stolen_runs)) for x, y in both
    ]
    cells: list[CellRanking] = []
    for cell in dict.fromkeys(x.cell_key for x, _ in both):
        rows = [(x.server, _us(x), _us(y)) for x, y in both if x.cell_key == cell and x.contender]
        pairs = [(s, ua, ub) for s, ua, ub in rows if ua is not None and ub is not None]
        if len(pairs) < 2:
            continue
        us_a = [p[1] or 0.0 for p in pairs]
        us_b = [p[2] or 0.0 for p in pairs]
        flips = []
        for (s1, a1, b1), (s2, a2, b2) in combinations(pairs, 2):
            assert a1 is not None and a2 is not None and b1 is not None and b2 is not None
            apart_a, apart_b = difference(a1, a2) or 0, difference(b1, b2) or 0
            if (a1 - a2) * (b1 - b2) < 0 and apart_a > tolerance and apart_b > tolerance:
                flips.append((s1, s2))
        cells.append(CellRanking(cell, len(pairs), spearman(us_a, us_b), ranks(us_a) == ranks(us_b), flips))
    return Agreement(a["run_id"], b["run_id"], tolerance, cells, medians)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def render_markdown(result: Agreement, *, level: int = 1) -> str:
    h = "#" * level
    judged, over = result.judged, result.over
    stolen = sum(1 for m in result.medians if m.stolen)
    rhos = [c.rho for c in result.cells if c.rho is not None]
    verdict = "**agree**" if result.agrees else "**do not agree**"
    lines = [
        f"{h} Agreement of `{result.run_a}` and `{result.run_b}`: the runs {verdict}",
        "",
        f"- Ranking on median server CPU µs/request, per cell over the contenders valid in both runs: "
        f"{sum(c.same_order for c in result.cells)} of {len(result.cells)} cells in the same order; "
        f"{result.flips} flip(s) (a pair each run orders the other way round, both separating them by more than "
        f"{100 * result.tolerance:g} %); Spearman's ρ "
        + (f"{min(rhos):.3f}–{max(rhos):.3f} (median {sorted(rhos)[len(rhos) // 2]:.3f})" if rhos else "–")
        + ".",
        f"- Medians of server CPU µs/request, per server and cell: {len(judged)} judged (neither run stolen from; "
        f"{stolen} left out), {len(over)} differ by more than {100 * result.tolerance:g} % (difference = max/min − 1)"
        + (f"; largest {_pct(max(m.us_diff or 0 for m in judged))}" if judged else "")
        + ".",
        "",
        "| cell | servers | Spearman ρ | same order | flips |",
        "|---|---|---|---|---|",
    ]
    for c in result.cells:
        rho = "–" if c.rho is None else f"{c.rho:.3f}"
        flips = ", ".join(f"{x}/{y}" for x, y in c.flips) or "none"
        lines.append(f"| {c.label} | {c.servers} | {rho} | {'yes' if c.same_order else 'no'} | {flips} |")
    lines += [
        "",
        "| server | cell | µs/req A | µs/req B | difference | req/s difference | judged |",
        "|---|---|---|---|---|---|---|",
    ]
    ordered = sorted(result.medians, key=lambda m: -(m.us_diff or 0))
    for m in ordered:
        mark = "stolen" if m.stolen else ("✗ over" if m in over else "yes")
        us_a = "–" if m.us_a is None else f"{m.us_a:.2f}"
        us_b = "–" if m.us_b is None else f"{m.us_b:.2f}"
        lines.append(f"| `{m.server}` | {m.label} | {us_a} | {us_b} | {_pct(m.us_diff)} | {_pct(m.rps_diff)} | {mark} |")
    return "\n".join(lines) + "\n"


def render_html(result: Agreement) -> str:
    """The same as render_markdown, for report.html: the verdict, and the cells' rankings."""
    from html import escape

    rows = "".join(
        f"<tr><td class=l>{escape(c.label)}</td><td>{c.servers}</td><td>{'–' if c.rho is None else f'{c.rho:.3f}'}</td>"
        f"<td>{'yes' if c.same_order else 'no'}</td>"
        f"<td class=l>{escape(', '.join(f'{x}/{y}' for x, y in c.flips) or 'none')}</td></tr>"
        for c in result.cells
    )
    over = "".join(
        f"<li>{escape(m.server)}, {escape(m.label)}: {m.us_a or 0:.2f} vs {m.us_b or 0:.2f} µs/req ({_pct(m.us_diff)})</li>"
        for m in result.over
    )
    verdict = "agree" if result.agrees else "do not agree"
    return (
        f"<h3>Agreement: the runs {verdict}</h3><p>{result.flips} flip(s) in the ranking on server CPU µs/request "
        f"(pairs ordered the other way round, both runs separating them by more than {100 * result.tolerance:g} %); "
        f"{len(result.over)} of {len(result.judged)} medians judged (neither run stolen from) differ by more than "
        f"{100 * result.tolerance:g} %.</p>"
        "<table><tr><th class=l>cell</th><th>servers</th><th>Spearman ρ</th><th>same order</th><th class=l>flips</th></tr>"
        f"{rows}</table>" + (f"<ul>{over}</ul>" if over else "")
    )
