"""`python -m pyo3_hyper module:app` (see pyo3_hyper.cli)."""

import sys

from .cli import main

sys.exit(main())
