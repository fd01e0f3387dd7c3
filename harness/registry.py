"""Every registered server: one spec per `servers/*/server.toml` (or per variant)."""

from __future__ import annotations

from pathlib import Path

from .errors import ManifestError, SelectionError
from .manifest import ServerSpec, load_manifest
from .paths import SERVERS_DIR


def discover(servers_dir: Path = SERVERS_DIR) -> dict[str, ServerSpec]:
    """Specs by name, in directory order; duplicate names are an error."""
    specs: dict[str, ServerSpec] = {}
    for manifest in sorted(servers_dir.glob("*/server.toml")):
        for spec in load_manifest(manifest):
            if spec.name in specs:
                raise ManifestError(manifest, "name", f"{spec.name!r} is already registered by {specs[spec.name].manifest}")
            specs[spec.name] = spec
    return specs


def select(specs: dict[str, ServerSpec], names: list[str] | None, *, contenders_only: bool = False) -> list[ServerSpec]:
    """The named servers (all when `names` is empty), failing on an unknown name."""
    if names:
        unknown = [n for n in names if n not in specs]
        if unknown:
            raise SelectionError(f"unknown server(s): {', '.join(unknown)}; registered: {', '.join(specs)}")
        chosen = [specs[n] for n in names]
    else:
        chosen = list(specs.values())
    return [s for s in chosen if s.contender] if contenders_only else chosen
