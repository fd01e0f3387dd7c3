"""The report of one bench run: report.md (tables to paste), report.html (self-contained, with
inline SVG charts) and PNG charts beside them, all rebuilt from what the run directory holds:
results.json and the readiness snapshot the bench took when it ran (readiness.json)."""
