"""results.json: the versioned record of one bench run, checked against results.schema.json."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ResultsError

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")
RESULTS_NAME = "results.json"


def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def validate(doc: dict) -> None:
    """Raises jsonschema.ValidationError when `doc` does not follow the schema."""
    import jsonschema

    jsonschema.validate(doc, schema())


def write(run_dir: Path, doc: dict) -> Path:
    validate(doc)
    path = run_dir / RESULTS_NAME
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def load(run_dir: Path) -> dict:
    path = run_dir / RESULTS_NAME if run_dir.is_dir() else run_dir
    doc = json.loads(path.read_text())
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ResultsError(f"{path}: schema_version {doc.get('schema_version')!r}, this harness reads {SCHEMA_VERSION}")
    validate(doc)
    return doc
