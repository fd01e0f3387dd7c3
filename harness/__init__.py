"""The arena's orchestrator: discovers, builds, runs, checks, loads and reports servers."""
