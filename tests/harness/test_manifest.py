"""The registry reads manifests into specs and names the file and field of any fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import limits, registry
from harness.errors import ManifestError, SelectionError
from harness.manifest import load_manifest
from harness.paths import CONTRACT_FILE, ROOT, TARGET_DIR

VALID = """
name = "demo"
description = "a demo server"
[framework]
name = "demo"
crate = "hyper"
[runtime]
name = "tokio"
io_model = "epoll"
[build]
kind = "cargo"
package = "demo-server"
bin = "demo-server"
[run]
command = ["{bin}", "--port", "{port}", "--workers", "{workers}"]
[deviations]
test_x = "cannot do x"
"""


def write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    path = tmp_path / name / "server.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_valid_manifest(tmp_path):
    (spec,) = load_manifest(write(tmp_path, VALID))
    assert spec.name == "demo" and spec.contender and spec.io_model == "epoll"
    assert spec.build.binary == TARGET_DIR / "release" / "demo-server"
    assert spec.deviations == {"test_x": "cannot do x"}
    assert spec.argv(host="h", port=1, workers=2, python="py") == [str(spec.build.binary), "--port", "1", "--workers", "2"]


@pytest.mark.parametrize(
    "drop,field",
    [
        ('name = "demo"\n', "name"),
        ('package = "demo-server"\n', "build.package"),
        ('io_model = "epoll"\n', "runtime.io_model"),
        ('crate = "hyper"\n', "framework.crate"),
    ],
)
def test_missing_field_names_file_and_field(tmp_path, drop, field):
    path = write(tmp_path, VALID.replace(drop, ""))
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert str(err.value).startswith(f"{path}: field '{field}'")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "old,new,field",
    [
        ('kind = "cargo"', 'kind = "make"', "build.kind"),
        ('["{bin}",', '["{binary}",', "run.command"),
        ('"cannot do x"', '""', "deviations.test_x"),
        ('name = "demo"\n', "name = 3\n", "name"),
    ],
)
def test_bad_values_name_the_field(tmp_path, old, new, field):
    with pytest.raises(ManifestError, match=f"field '{field}'"):
        load_manifest(write(tmp_path, VALID.replace(old, new, 1)))


@pytest.mark.parametrize(
    "limits,field",
    [
        ("max_headers = 64", "limits.max_headers"),
        ('max_headers = { value = 64, reason = "" }', "limits.max_headers.reason"),
        ('max_headers = { value = 100, reason = "same" }', "limits.max_headers.value"),
        ('max_headers = { value = -1, reason = "neg" }', "limits.max_headers.value"),
        ('max_hats = { value = 1, reason = "x" }', "limits.max_hats"),
    ],
)
def test_limits_state_only_reasoned_differences(tmp_path, limits, field):
    text = VALID.replace("[deviations]", f"[limits]\n{limits}\n[deviations]")
    with pytest.raises(ManifestError, match=f"field '{field}'"):
        load_manifest(write(tmp_path, text))


def test_contract_limits_come_from_the_crate():
    """The harness's defaults are the numbers api-model is built from (contract.toml), which its
    own tests pin to docs/API.md's values."""
    text = CONTRACT_FILE.read_text()
    assert limits.contract_limits()["max_header_bytes"] == 16384
    for key, lim in limits.LIMITS.items():
        assert f"{key} = {int(lim.default)}" in text


def test_repository_manifests_differ_from_the_contract_only_with_reasons():
    for spec in registry.discover().values():
        for key, override in spec.limits.items():
            assert override.reason.strip(), (spec.name, key)
            assert override.value != limits.LIMITS[key].default, (spec.name, key)


def test_invalid_toml(tmp_path):
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(write(tmp_path, "name = "))


def test_variants_become_servers_with_own_target_dirs(tmp_path):
    text = VALID + '[variants.demo-a]\nbuild = { features = ["a"] }\n[variants.demo-b]\nruntime = { io_model = "io_uring" }\n'
    a, b = load_manifest(write(tmp_path, text))
    assert (a.name, b.name) == ("demo-a", "demo-b")
    assert a.build.features == ("a",) and b.build.features == ()
    assert b.io_model == "io_uring" and b.runtime == "tokio"
    assert a.build.target_dir != b.build.target_dir != TARGET_DIR
    assert a.variant_of == "demo"


def test_duplicate_names_rejected(tmp_path):
    write(tmp_path, VALID, "one")
    write(tmp_path, VALID, "two")
    with pytest.raises(ManifestError, match="already registered"):
        registry.discover(tmp_path)


def test_select_unknown_name_exits(tmp_path):
    write(tmp_path, VALID)
    with pytest.raises(SelectionError, match="unknown server"):
        registry.select(registry.discover(tmp_path), ["nope"])


def test_repository_manifests_load():
    specs = registry.discover()
    assert {"axum", "hyper", "baseline"} <= set(specs)
    assert not specs["baseline"].contender


def test_cli_reports_broken_manifest_in_one_line(tmp_path):
    bad = write(tmp_path, VALID.replace('package = "demo-server"\n', ""))
    code = f"import sys; from harness import registry; from pathlib import Path; registry.discover(Path({str(tmp_path)!r}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0
    assert f"{bad}: field 'build.package': missing" in out.stderr


def test_cli_list_shows_every_server():
    out = subprocess.run([sys.executable, "-m", "harness", "list"], cwd=ROOT, capture_output=True, text=True, check=True)
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert names == sorted(registry.discover())


def test_every_contender_declares_database():
    """Every contender serves the database endpoints and says how (`[database]`)."""
    missing = sorted(s.name for s in registry.discover().values() if s.contender and s.database is None)
    assert not missing, f"contenders without a [database] table: {', '.join(missing)}"
