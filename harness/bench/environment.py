"""What a reader needs to reproduce a run: machine, toolchain, tools, commit, framework versions."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import NotRequired, TypedDict

from .. import gitinfo
from ..hosts import HostInfo
from ..manifest import ServerSpec
from ..paths import ROOT
from ..versions import framework_version


class Framework(TypedDict):
    framework: str
    version: str
    runtime: str
    io_model: str
    contender: bool
    # A Rust crate (the goal of the database ceiling is stated for Rust servers); older runs lack it.
    rust: NotRequired[bool]


class Environment(TypedDict):
    cpu_model: str
    cpus_online: int
    # Older runs did not record these three.
    cpus_usable: NotRequired[int]
    kernel: str
    os: NotRequired[str]
    rustc: str
    python: str
    tools: dict[str, str]  # "wrk", "oha": version, or "not used"
    git_commit: str
    git_dirty: NotRequired[bool]
    frameworks: dict[str, Framework]
    # Per side ("server", "client"): the host it ran on, read there. The keys above describe this
    # machine (the server's), except `tools`, the load generators where they ran.
    hosts: NotRequired[dict[str, HostInfo]]


def _out(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def collect(specs: list[ServerSpec], tool_versions: dict[str, str], hosts: dict[str, HostInfo] | None = None) -> Environment:
    env: Environment = {
        "cpu_model": cpu_model(),
        "cpus_online": os.cpu_count() or 0,
        "cpus_usable": len(os.sched_getaffinity(0)),
        "kernel": platform.release(),
        "os": platform.platform(),
        "rustc": _out(["rustc", "--version"]) or "?",
        "python": platform.python_version(),
        "tools": tool_versions,
        "git_commit": gitinfo.commit() or "?",
        "git_dirty": gitinfo.dirty(),
        "frameworks": {
            s.name: {
                "framework": s.framework,
                "version": framework_version(s),
                "runtime": s.runtime,
                "io_model": s.io_model,
                "contender": s.contender,
                "rust": s.framework_crate is not None,
            }
            for s in specs
        },
    }
    if hosts:
        env["hosts"] = hosts
    return env
