"""The contract's numbers and error codes have one home, crates/api-model/contract.toml,
which this package carries as data (python/arena-api/pyproject.toml)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

CONTRACT: dict[str, Any] = tomllib.loads(resources.files(__package__).joinpath("contract.toml").read_text())
