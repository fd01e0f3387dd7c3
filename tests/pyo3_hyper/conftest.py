"""The pyo3_hyper Python API end to end. Needs the wheel installed
(`python -m harness build pyo3-hyper`, which the nox sessions run)."""

from __future__ import annotations

import pytest

pyo3_hyper = pytest.importorskip("pyo3_hyper", reason="pyo3_hyper is not installed: run `python -m harness build pyo3-hyper`")


@pytest.fixture
def app():
    return pyo3_hyper.App(server_name="test-server")
