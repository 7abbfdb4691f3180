"""Where things are: the one module that knows the project's paths.

In a checkout (the package folder sits beside ``pyproject.toml``) the project
root is the checkout; in an installed package it is the current working
directory, so ``satisfaction report --data DIR --out DIR`` works from anywhere.
``SATISFACTION_ROOT`` overrides both. The report notebooks ship inside the
package and are found with :mod:`importlib.resources`, never through the root.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = [
    "PACKAGE_DIR",
    "PROJ_ROOT",
    "DATA_DIR",
    "RAW_DATA_DIR",
    "INTERIM_DATA_DIR",
    "PROCESSED_DATA_DIR",
    "SAMPLE_DATA_DIR",
    "NOTEBOOKS_DIR",
    "REPORT_NOTEBOOKS_DIR",
    "REPORTS_DIR",
    "MIN_GROUP_SIZE",
]

PACKAGE_DIR = Path(__file__).resolve().parent


def _project_root() -> Path:
    if os.environ.get("SATISFACTION_ROOT"):
        return Path(os.environ["SATISFACTION_ROOT"]).resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.cwd().resolve()


#: The project root: a checkout, else the working directory; override with ``SATISFACTION_ROOT``.
PROJ_ROOT = _project_root()
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
INTERIM_DATA_DIR = DATA_DIR / "interim"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
SAMPLE_DATA_DIR = DATA_DIR / "sample"
#: The exploration notebooks of a checkout.
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
#: The report notebooks, shipped as package data (``satisfaction/notebooks``).
REPORT_NOTEBOOKS_DIR = Path(str(resources.files("satisfaction") / "notebooks"))
REPORTS_DIR = PROJ_ROOT / "reports"

#: Default anonymity threshold: no group of fewer people is ever shown in a report.
MIN_GROUP_SIZE = 5
