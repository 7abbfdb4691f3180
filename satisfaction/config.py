"""Where things are: the one module that knows the project's paths."""

from __future__ import annotations

import os
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
    "REPORTS_DIR",
    "MIN_GROUP_SIZE",
]

PACKAGE_DIR = Path(__file__).resolve().parent
#: The project root (a checkout); override with ``SATISFACTION_ROOT``.
PROJ_ROOT = Path(os.environ.get("SATISFACTION_ROOT", PACKAGE_DIR.parent)).resolve()
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
INTERIM_DATA_DIR = DATA_DIR / "interim"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
SAMPLE_DATA_DIR = DATA_DIR / "sample"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
REPORTS_DIR = PROJ_ROOT / "reports"

#: Default anonymity threshold: no group of fewer people is ever shown in a report.
MIN_GROUP_SIZE = 5
