"""Linkage: from respondent scores to unit x period panels and lagged links.

Employees and customers are different people, so the chain is tested where they
meet: the unit, over time. :func:`aggregate` counts people, not responses;
:func:`to_quarter` maps months to quarters.
"""

from __future__ import annotations

from .panels import aggregate, to_quarter

__all__ = ["aggregate", "to_quarter"]
