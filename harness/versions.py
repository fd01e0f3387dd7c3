"""Framework versions, read from what the build really uses: Cargo.lock for
crates, the installed distribution for Python packages."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path

import tomlkit

from .manifest import ServerSpec
from .paths import CARGO_LOCK


@cache
def locked_crates(lock: Path = CARGO_LOCK) -> dict[str, list[str]]:
    if not lock.exists():
        return {}
    versions: dict[str, list[str]] = {}
    for pkg in tomlkit.parse(lock.read_text()).unwrap().get("package", []):
        versions.setdefault(pkg["name"], []).append(pkg["version"])
    return versions


def framework_version(spec: ServerSpec) -> str:
    if spec.framework_crate:
        found = locked_crates().get(spec.framework_crate)
        return ", ".join(sorted(found)) if found else "?"
    if not spec.framework_pypi:  # the manifest names a crate or a PyPI package
        return "?"
    try:
        return metadata.version(spec.framework_pypi)
    except metadata.PackageNotFoundError:
        return "not installed"
