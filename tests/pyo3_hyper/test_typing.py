"""The package's types as a user's type checker sees them: the compiled core's stub
(`_core.pyi`) matches the built module (mypy's stubtest), and a user's app using the
decorators and `HTTPError` checks under `mypy --strict`."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")
pytest.importorskip("pyo3_hyper")

README = Path(__file__).resolve().parents[2] / "servers" / "pyo3-hyper" / "README.md"


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300)


def test_core_stub_matches_the_compiled_module():
    out = _mypy("mypy.stubtest", "pyo3_hyper._core", "--ignore-missing-stub")
    assert out.returncode == 0, out.stdout + out.stderr


def test_user_app_type_checks(tmp_path: Path):
    app = tmp_path / "user_app.py"
    app.write_text(
        textwrap.dedent(
            """
            import pyo3_hyper
            from pyo3_hyper import HTTPError, Request, Response

            app = pyo3_hyper.App()

            @app.get("/items/{id:int}")
            def item(request: Request) -> Response:
                if request.path_params["id"] == 0:
                    raise HTTPError(404, "no such item")
                return Response.json({"id": request.path_params["id"]})

            err = HTTPError(400)
            status: int = err.status
            detail: str | None = err.detail
            """
        )
    )
    out = _mypy("mypy", "--strict", str(app))
    assert out.returncode == 0, out.stdout + out.stderr


def test_readme_examples_type_check(tmp_path: Path):
    """Every Python example of the package's README checks under `mypy --strict` as a
    user would write it (issue 13, defect 11: `path_params["id"] > 100`)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    for i, block in enumerate(blocks):
        (tmp_path / f"readme_example_{i}.py").write_text(block)
    out = _mypy("mypy", "--strict", *sorted(str(p) for p in tmp_path.glob("readme_example_*.py")))
    assert out.returncode == 0, out.stdout + out.stderr
