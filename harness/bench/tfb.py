"""TechEmpower reference rows: the Rust entries of a local FrameworkBenchmarks checkout, built and
measured beside the arena's servers on the scenarios both serve (`--reference-tfb PATH`).

The user provides the checkout; the harness downloads nothing itself (cargo fetches the entries'
crates from crates.io, as for the arena's own servers). For each framework the arena has, the
entry's TechEmpower tests that serve `/plaintext` and `/json` are found in its
`benchmark_config.json`; the test's dockerfile (TechEmpower's naming: `NAME.dockerfile` for the
`default` test, `NAME-TEST.dockerfile` otherwise, or the test's `dockerfile` key) gives the cargo
build (features, `--bin`, `RUSTFLAGS`) and the command (`CMD`, or the test's `docker_cmd`). The entry
is copied into the build directory and built there with the arena's toolchain, so the checkout is
only read. What cannot be built is skipped with a one-line reason: sources from git (cargo would
fetch them from outside the package registries; `--reference-tfb-allow-git` lets it), a compiler
error (some entries want a newer rustc or nightly), an entry or test that is missing.

The rows are `ServerSpec`s with `contender = false` and a `reference`: the bench measures them like
any server, pinned the same way, on the port their entry listens on; they are never ranked, never
in the readiness matrix and never registered, so no suite ever sees them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..builder import compiler_errors, run_logged
from ..errors import HarnessError
from ..manifest import BuildSpec, Reference, ServerSpec
from ..paths import ROOT, TARGET_DIR
from ..versions import locked_crates
from .scenarios import Scenario

BUILD_ROOT = TARGET_DIR / "tfb"
RUST_DIR = Path("frameworks") / "Rust"
PREFIX = "TFB-"

# The arena's counterparts of TechEmpower's tests: (entry directory, test) -> the arena's servers.
COUNTERPARTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("actix", "default"): ("actix",),
    ("axum", "default"): ("axum",),
    ("hyper", "default"): ("hyper",),
    ("may-minihttp", "default"): ("may-minihttp",),
    ("ntex", "default"): ("ntex-tokio",),
    ("ntex", "neon"): ("ntex-epoll",),
    ("ntex", "neon-uring"): ("ntex-uring",),
    ("xitca-web", "default"): ("xitca", "xitca-uring"),
}
# The crate whose version the report shows, per entry directory (the first one its lock has).
FRAMEWORK_CRATES: dict[str, tuple[str, ...]] = {
    "actix": ("actix-web",),
    "axum": ("axum",),
    "hyper": ("hyper",),
    "may-minihttp": ("may_minihttp",),
    "ntex": ("ntex",),
    "xitca-web": ("xitca-http", "xitca-web"),
}
# The requests a reference row answers: TechEmpower's plaintext and json tests.
PATHS = {"/plaintext", "/json"}


@dataclass(frozen=True)
class Entry:
    """One TechEmpower test of one Rust entry, as its config and dockerfile describe it."""

    name: str  # the row's name: TFB-<directory>[-<test>]
    directory: Path  # frameworks/Rust/<name> in the checkout
    test: str
    binary: str
    args: tuple[str, ...]
    features: tuple[str, ...]
    no_default_features: bool
    rustflags: str | None
    port: int
    counterparts: tuple[str, ...]
    git_sources: tuple[str, ...]  # git URLs the entry's Cargo.toml or Cargo.lock needs
    # Debian packages the dockerfile installs (cmake, g++, ...): named when the build fails.
    apt_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """A reference row that is not in the run, and the one-line reason."""

    name: str
    reason: str


@dataclass(frozen=True)
class References:
    """The checkout a run's reference rows came from, the rows built and the entries skipped."""

    checkout: str
    commit: str | None
    specs: list[ServerSpec]
    skipped: list[Skip]


def row_name(directory: str, test: str) -> str:
    return PREFIX + directory + ("" if test == "default" else f"-{test}")


def serves(scenario: Scenario) -> bool:
    """Whether reference rows run in `scenario`: TechEmpower's entries answer GET /plaintext and
    GET /json (pipelined or not); the arena's other endpoints they do not have."""
    return scenario.method == "GET" and scenario.path in PATHS


# --- discovery ------------------------------------------------------------------------------------


def discover(checkout: Path) -> tuple[list[Entry], list[Skip]]:
    """The entries of the arena's frameworks found under `checkout`, and those that are not usable."""
    rust = checkout / RUST_DIR
    if not rust.is_dir():
        raise HarnessError("reference-tfb", "discover", f"{checkout} has no {RUST_DIR}: not a FrameworkBenchmarks checkout")
    entries, skipped = [], []
    for (directory, test), counterparts in COUNTERPARTS.items():
        name = row_name(directory, test)
        try:
            entries.append(_entry(rust / directory, test, name, counterparts))
        except _Unusable as exc:
            skipped.append(Skip(name, str(exc)))
    return entries, skipped


class _Unusable(Exception):
    """Why one entry cannot be a reference row."""


def _entry(directory: Path, test: str, name: str, counterparts: tuple[str, ...]) -> Entry:
    where = f"frameworks/Rust/{directory.name}"
    config_file = directory / "benchmark_config.json"
    if not config_file.is_file():
        raise _Unusable(f"no {where}/benchmark_config.json in the checkout")
    try:
        config = json.loads(config_file.read_text())
        tests: dict[str, Any] = {k: v for t in config["tests"] for k, v in t.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _Unusable(f"{where}/benchmark_config.json is not a TechEmpower config: {exc}") from exc
    spec = tests.get(test)
    if not isinstance(spec, dict):
        raise _Unusable(f"{where} has no test {test!r}")
    if (spec.get("plaintext_url"), spec.get("json_url")) != ("/plaintext", "/json"):
        raise _Unusable(f"{where} test {test!r} does not serve /plaintext and /json")
    if str(spec.get("approach", "")).lower() != "realistic":
        raise _Unusable(f"{where} test {test!r} is {spec.get('approach')!r}, not Realistic")
    # TechEmpower's naming, unless the test names its dockerfile.
    default_name = f"{directory.name}.dockerfile" if test == "default" else f"{directory.name}-{test}.dockerfile"
    dockerfile = directory / (spec.get("dockerfile") or default_name)
    if not dockerfile.is_file():
        raise _Unusable(f"no {where}/{dockerfile.name}")
    build = parse_dockerfile(dockerfile.read_text())
    command = shlex.split(spec["docker_cmd"]) if spec.get("docker_cmd") else build.command
    if not command:
        raise _Unusable(f"{where}/{dockerfile.name} has no CMD")
    if build.cargo is None:
        raise _Unusable(f"{where}/{dockerfile.name} runs no `cargo build` or `cargo install`")
    binary = Path(command[0]).name
    if build.cargo.bin not in (None, binary):
        raise _Unusable(f"{where}/{dockerfile.name} builds --bin {build.cargo.bin} but runs {binary}")
    port = spec.get("port", 8080)
    if not isinstance(port, int):
        raise _Unusable(f"{where} test {test!r} has no usable port: {port!r}")
    return Entry(
        name=name,
        directory=directory,
        test=test,
        binary=binary,
        args=tuple(command[1:]),
        features=build.cargo.features,
        no_default_features=build.cargo.no_default_features,
        rustflags=build.rustflags,
        port=port,
        counterparts=counterparts,
        git_sources=git_sources(directory),
        apt_packages=build.apt_packages,
    )


@dataclass(frozen=True)
class CargoCommand:
    features: tuple[str, ...]
    no_default_features: bool
    bin: str | None


@dataclass(frozen=True)
class DockerBuild:
    """What the harness takes from a dockerfile: the last cargo build, its RUSTFLAGS, the command."""

    cargo: CargoCommand | None
    rustflags: str | None
    command: list[str]
    apt_packages: tuple[str, ...] = ()


def _instructions(text: str) -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) per dockerfile instruction, continuation lines joined."""
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        pending = ""
        yield keyword.upper(), rest.strip()


def _env_pairs(args: str) -> Iterator[tuple[str, str]]:
    """`ENV KEY VALUE` or `ENV KEY=VALUE ...`."""
    words = shlex.split(args)
    if words and "=" not in words[0]:
        yield words[0], " ".join(words[1:])
        return
    for word in words:
        key, _, value = word.partition("=")
        yield key, value


def _segments(command: str) -> Iterator[list[str]]:
    """The simple commands of a shell line, split at `&&`, `||`, `;` and `|`."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    segment: list[str] = []
    for token in lexer:
        if token in ("&&", "||", ";", "|", "&"):
            if segment:
                yield segment
            segment = []
        else:
            segment.append(token)
    if segment:
        yield segment


def _cargo(words: list[str]) -> CargoCommand:
    features: list[str] = []
    no_default, binary = False, None
    i = 0
    while i < len(words):
        word = words[i]
        value = None
        for flag in ("--features", "-F", "--bin"):
            if word == flag and i + 1 < len(words):
                value, i = words[i + 1], i + 1
            elif word.startswith(flag + "="):
                value = word[len(flag) + 1 :]
            if value is not None:
                if flag == "--bin":
                    binary = value
                else:
                    features += [f for f in value.replace(",", " ").split() if f]
                break
        if word == "--no-default-features":
            no_default = True
        i += 1
    return CargoCommand(tuple(features), no_default, binary)


def parse_dockerfile(text: str) -> DockerBuild:
    env: dict[str, str] = {}
    cargo: CargoCommand | None = None
    rustflags: str | None = None
    command: list[str] = []
    apt: list[str] = []
    for keyword, args in _instructions(text):
        if keyword == "ENV":
            env.update(_env_pairs(args))
        elif keyword == "RUN":
            for words in _segments(args):
                inline = {}
                while words and "=" in words[0] and not words[0].startswith("-"):
                    key, _, value = words.pop(0).partition("=")
                    inline[key] = value
                if len(words) >= 2 and words[0] == "cargo" and words[1] in ("build", "install"):
                    cargo = _cargo(words[2:])
                    rustflags = inline.get("RUSTFLAGS", env.get("RUSTFLAGS"))
                elif len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                    apt += [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
        elif keyword in ("CMD", "ENTRYPOINT"):
            try:
                parsed = json.loads(args)
                command = [str(w) for w in parsed] if isinstance(parsed, list) else shlex.split(args)
            except ValueError:
                command = shlex.split(args)
    return DockerBuild(cargo, rustflags, command, tuple(apt))


def git_sources(directory: Path) -> tuple[str, ...]:
    """The git URLs an entry's manifest or lock file points cargo at."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("git"), str):
                found.add(node["git"])
            for value in node.values():
                walk(value)

    try:
        manifest = tomllib.loads((directory / "Cargo.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        manifest = {}
    for key in ("dependencies", "build-dependencies", "target", "patch"):
        walk(manifest.get(key, {}))
    try:
        lock = tomllib.loads((directory / "Cargo.lock").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        lock = {}
    for package in lock.get("package", []):
        source = package.get("source", "")
        if source.startswith("git+"):
            found.add(source[4:].split("#")[0].split("?")[0])
    return tuple(sorted(found))


# --- building -------------------------------------------------------------------------------------


def active_toolchain() -> str | None:
    """The toolchain cargo uses in the arena's checkout, so that an entry's rust-toolchain.toml
    makes rustup download nothing: an entry that needs another one fails to build and is skipped."""
    if not shutil.which("rustup"):
        return None
    try:
        out = subprocess.run(["rustup", "show", "active-toolchain"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = out.stdout.split()
    return words[0] if out.returncode == 0 and words else None


def _sync(source: Path, copy: Path) -> None:
    """`copy` becomes the entry's files (without its build output) with their times kept, so cargo
    rebuilds nothing that did not change; a Cargo.lock cargo wrote there for an entry without one stays."""
    kept_lock = None
    if not (source / "Cargo.lock").exists() and (copy / "Cargo.lock").exists():
        kept_lock = (copy / "Cargo.lock").read_bytes()
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("target", ".git"), copy_function=shutil.copy2)
    if kept_lock is not None:
        (copy / "Cargo.lock").write_bytes(kept_lock)


def build_command(entry: Entry, target_dir: Path) -> list[str]:
    cmd = ["cargo", "build", "--release", "--bin", entry.binary, "--target-dir", str(target_dir)]
    if entry.no_default_features:
        cmd.append("--no-default-features")
    if entry.features:
        cmd += ["--features", ",".join(entry.features)]
    return cmd


def shown_command(entry: Entry) -> str:
    """The build as the report shows it: the environment it set and cargo's arguments."""
    cmd = build_command(entry, Path("…"))
    at = cmd.index("--target-dir")
    shown = shlex.join(cmd[:at] + cmd[at + 2 :])
    return (f"RUSTFLAGS={shlex.quote(entry.rustflags)} " if entry.rustflags else "") + shown


def build(
    entries: list[Entry], *, allow_git: bool = False, echo: bool = False, build_root: Path | None = None
) -> tuple[list[ServerSpec], list[Skip]]:
    """Builds each entry (one copy and target directory per entry directory, under `build_root`,
    default BUILD_ROOT); returns the reference rows that built and the ones skipped, each with its reason."""
    build_root = build_root or BUILD_ROOT
    if entries and not shutil.which("cargo"):
        return [], [Skip(e.name, "cargo is not on PATH") for e in entries]
    toolchain = active_toolchain()
    specs, skipped = [], []
    copied: set[Path] = set()
    for entry in entries:
        if entry.git_sources and not allow_git:
            sources = ", ".join(entry.git_sources)
            reason = f"needs sources from git ({sources}), which the arena does not fetch (--reference-tfb-allow-git)"
            skipped.append(Skip(entry.name, reason))
            continue
        copy = build_root / "src" / entry.directory.name
        if copy not in copied:
            _sync(entry.directory, copy)
            copied.add(copy)
        target_dir = build_root / "target" / entry.directory.name
        cmd = build_command(entry, target_dir)
        env = {k: v for k, v in os.environ.items() if k not in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS")}
        if entry.rustflags:
            env["RUSTFLAGS"] = entry.rustflags
        if toolchain:
            env["RUSTUP_TOOLCHAIN"] = toolchain
        log = build_root / f"build-{entry.name}.log"
        try:
            run_logged(cmd, server=entry.name, step="build", log=log, echo=echo, env=env, cwd=copy)
        except HarnessError:
            first = next((line for line in compiler_errors(log).splitlines() if line.startswith("error")), "see the log")
            # A build script that needs a tool (snmalloc-sys wants cmake) fails here, not in a container.
            needs = f"; its dockerfile installs {' '.join(entry.apt_packages)} (Debian)" if entry.apt_packages else ""
            skipped.append(Skip(entry.name, f"cargo build failed: {first.strip()}{needs} (log: {log})"))
            continue
        binary = target_dir / "release" / entry.binary
        if not binary.exists():
            skipped.append(Skip(entry.name, f"cargo built no {binary}"))
            continue
        specs.append(_spec(entry, binary, copy, shown_command(entry)))
    return specs, skipped


def _framework_version(directory: str, lock: Path) -> str:
    crates = locked_crates(lock)
    for crate in FRAMEWORK_CRATES.get(directory, ()):
        if crate in crates:
            return f"{crate} {', '.join(sorted(crates[crate]))}"
    return "?"


def _spec(entry: Entry, binary: Path, copy: Path, build_line: str) -> ServerSpec:
    source = f"TechEmpower FrameworkBenchmarks {RUST_DIR / entry.directory.name}, test {entry.test!r}"
    commit = checkout_commit(entry.directory)
    if commit:
        source += f", commit {commit[:12]}"
    return ServerSpec(
        name=entry.name,
        description=f"TechEmpower's {entry.directory.name} entry (test {entry.test!r}): a reference row, not a contender",
        contender=False,
        framework=entry.directory.name,
        framework_crate=None,
        framework_pypi=None,
        runtime="as the TechEmpower entry sets it up",
        io_model="as the TechEmpower entry sets it up",
        build=BuildSpec(kind="none"),
        command=(str(binary), *entry.args),
        env={},
        limits={},
        deviations={},
        intermittent=set(),
        directory=copy,
        manifest=copy / "benchmark_config.json",
        port=entry.port,
        reference=Reference(
            source=source,
            counterparts=entry.counterparts,
            build=build_line,
            framework_version=_framework_version(entry.directory.name, copy / "Cargo.lock"),
        ),
    )


def checkout_commit(path: Path) -> str | None:
    """The commit of the checkout `path` is in, when it is a git work tree."""
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def port_taken(host: str, port: int) -> bool:
    """Whether something listens on `port` already: a reference row's entry cannot be moved to
    another port, and the readiness probe must not find another server there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        # Connections of an earlier run waiting out TIME_WAIT do not count; a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def references(checkout: Path, *, allow_git: bool = False, echo: bool = False) -> tuple[list[ServerSpec], list[Skip]]:
    """Discover and build: the reference rows of `checkout` and the entries skipped."""
    entries, skipped = discover(checkout)
    specs, failed = build(entries, allow_git=allow_git, echo=echo)
    return specs, skipped + failed
