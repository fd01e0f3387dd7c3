"""Builds servers with cargo (or maturin), reusing cargo's incremental state.

Servers that share the workspace target directory are built in one cargo
invocation; each variant gets its own invocation and target directory so
that cargo cannot unify its features with another build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from .errors import HarnessError, ToolError, log_tail
from .manifest import ServerSpec
from .paths import LOG_DIR, ROOT, TARGET_DIR

WHEEL_DIR = TARGET_DIR / "wheels"


def build(specs: list[ServerSpec], *, echo: bool = True) -> dict[str, float]:
    """Builds the given servers; returns seconds spent per build step."""
    if any(s.build.kind in ("cargo", "maturin") for s in specs) and not shutil.which("cargo"):
        raise ToolError("cargo is not on PATH: install the Rust toolchain (https://rustup.rs) and retry")
    timings: dict[str, float] = {}
    for key, group in _cargo_groups(specs).items():
        timings[", ".join(s.name for s in group)] = _cargo_build(group, *key, echo=echo)
    # Variants of one maturin manifest share one wheel: build and install it once.
    wheels: dict[Path, list[ServerSpec]] = defaultdict(list)
    for spec in specs:
        if spec.build.kind == "maturin":
            wheels[spec.manifest].append(spec)
    for group in wheels.values():
        timings[", ".join(s.name for s in group)] = _maturin_build(group[0], echo=echo)
    return timings


# A cargo invocation builds together the packages that share these: target dir, features, no-default-features.
CargoKey = tuple[Path, tuple[str, ...], bool]


def _cargo_groups(specs: list[ServerSpec]) -> dict[CargoKey, list[ServerSpec]]:
    groups: dict[CargoKey, list[ServerSpec]] = defaultdict(list)
    for spec in specs:
        if spec.build.kind == "cargo":
            b = spec.build
            groups[(b.target_dir, b.features, b.no_default_features)].append(spec)
    return groups


def _cargo_build(group: list[ServerSpec], target_dir: Path, features: tuple[str, ...], no_default: bool, *, echo: bool) -> float:
    cmd = ["cargo", "build", "--release", "--locked", "--target-dir", str(target_dir)]
    for spec in group:
        assert spec.build.package is not None  # the manifest requires it of a cargo build
        cmd += ["-p", spec.build.package]
    if no_default:
        cmd.append("--no-default-features")
    if features:
        cmd += ["--features", ",".join(features)]
    name = group[0].name if len(group) == 1 else "+".join(s.name for s in group)
    started = time.monotonic()
    run_logged(cmd, server=name, step="build", log=LOG_DIR / f"build-{group[0].name}.log", echo=echo)
    for spec in group:
        if spec.build.binary is None or not spec.build.binary.exists():
            raise HarnessError(spec.name, "build", f"cargo succeeded but {spec.build.binary} does not exist (check build.bin)")
    return time.monotonic() - started


def _maturin_build(spec: ServerSpec, *, echo: bool) -> float:
    """Builds a release wheel and installs it into the running interpreter."""
    started = time.monotonic()
    log = LOG_DIR / f"build-{spec.name}.log"
    out_dir = WHEEL_DIR / spec.name
    shutil.rmtree(out_dir, ignore_errors=True)
    run_logged(
        [
            sys.executable,
            "-m",
            "maturin",
            "build",
            "--release",
            "--locked",
            "--out",
            str(out_dir),
            "--manifest-path",
            str(spec.directory / "Cargo.toml"),
        ],
        server=spec.name,
        step="build",
        log=log,
        echo=echo,
        env_extra={"CARGO_TARGET_DIR": str(spec.build.target_dir)},
    )
    wheels = sorted(out_dir.glob("*.whl"))
    if not wheels:
        raise HarnessError(spec.name, "build", f"maturin wrote no wheel into {out_dir}", log)
    run_logged(
        [sys.executable, "-m", "pip", "install", "--force-reinstall", "--no-deps", str(wheels[-1])],
        server=spec.name,
        step="install wheel",
        log=log,
        echo=echo,
        append=True,
    )
    return time.monotonic() - started


def run_logged(
    cmd: list[str],
    *,
    server: str,
    step: str,
    log: Path,
    echo: bool,
    env_extra: dict[str, str] | None = None,
    append: bool = False,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> None:
    """Runs `cmd` in `cwd` with its output in `log` (and on stderr when `echo`); the environment is
    `env` when given, else this process's plus `env_extra`. A non-zero exit raises HarnessError."""
    import os

    log.parent.mkdir(parents=True, exist_ok=True)
    env = env if env is not None else {**os.environ, **(env_extra or {})}
    with log.open("a" if append else "w") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if echo:
                sys.stderr.write(line)
        code = proc.wait()
    if code != 0:
        raise HarnessError(server, step, f"`{' '.join(cmd[:3])} ...` exited {code}", log, compiler_errors(log))


def compiler_errors(log: Path) -> str:
    """The compiler's error blocks, or the log's tail when there are none."""
    lines = log.read_text(errors="replace").splitlines()
    blocks, keep = [], False
    for line in lines:
        if line.startswith("error"):
            keep = True
        elif line and not line[0].isspace() and not line.startswith(("-->", "|", "=")):
            keep = False
        if keep:
            blocks.append(line)
    return "\n".join(blocks[:80]) if blocks else log_tail(log)


def crates_with_tests(specs: list[ServerSpec]) -> list[tuple[str, tuple[str, ...], bool, Path]]:
    """(package, features, no_default_features, target dir) of every workspace crate with Rust
    tests: the shared crates under crates/, and each server package built with the features of its
    first variant (a variant-only crate like ntex does not compile without one). Debug builds
    share one target directory apart from the release builds."""
    out: dict[str, tuple[str, tuple[str, ...], bool, Path]] = {}
    for cargo_toml in sorted((ROOT / "crates").glob("*/Cargo.toml")):
        if _has_tests(cargo_toml.parent):
            out[cargo_toml.parent.name] = (_package_name(cargo_toml), (), False, TARGET_DIR)
    for spec in specs:
        b = spec.build
        if b.kind == "cargo" and b.package and b.package not in out and _has_tests(spec.directory):
            out[b.package] = (b.package, b.features, b.no_default_features, b.target_dir)
    return list(out.values())


def _has_tests(crate_dir: Path) -> bool:
    return (crate_dir / "tests").is_dir() or any("#[cfg(test)]" in f.read_text() for f in crate_dir.glob("src/**/*.rs"))


def _package_name(cargo_toml: Path) -> str:
    import tomllib

    name: str = tomllib.loads(cargo_toml.read_text())["package"]["name"]
    return name


def run_crate_tests(specs: list[ServerSpec], *, echo: bool = True) -> dict[str, float]:
    """`cargo test` for every crate that has Rust tests; returns seconds per crate."""
    if not shutil.which("cargo"):
        raise ToolError("cargo is not on PATH: install the Rust toolchain (https://rustup.rs) and retry")
    timings = {}
    for package, features, no_default, target_dir in crates_with_tests(specs):
        started = time.monotonic()
        cmd = ["cargo", "test", "--locked", "-p", package, "--target-dir", str(target_dir)]
        cmd += ["--no-default-features"] if no_default else []
        cmd += ["--features", ",".join(features)] if features else []
        run_logged(cmd, server=package, step="cargo test", log=LOG_DIR / f"test-{package}.log", echo=echo)
        timings[package] = time.monotonic() - started
    return timings
