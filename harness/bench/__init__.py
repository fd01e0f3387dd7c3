"""The load suite: scenarios, load generators, measurement, results and the report."""
