"""Privacy: keyed pseudonyms, small-group suppression and the report guard.

Three tools stand between respondent-level data and anything leadership sees:

* :func:`pseudonymise` / :func:`pseudonymise_frame` replace identifiers by a keyed
  hash (HMAC-SHA256): the same person gets the same pseudonym in every wave, and
  nobody without the key can go back from a pseudonym to the identifier.
* :func:`suppress` blanks every cell of a table that describes fewer than
  ``min_group_size`` people or moved by fewer than that since the previous
  period, and enough further cells (complementary suppression) that a reader
  solving the published totals, margins and the previous period's figures
  learns nothing about them beyond their reason (the rule is in its docstring).
* :func:`guard` is called by report code on every table before display; it
  refuses identifier columns and unsuppressed small groups.

Examples
--------
>>> import pandas as pd
>>> import satisfaction as sat
>>> table = pd.DataFrame({"unit": ["A", "B", "C", "D"], "n": [40, 3, 12, 25],
...                       "ex_mean": [3.9, 2.1, 3.5, 4.0]})
>>> out = sat.suppress(table, by="unit")
>>> out[["unit", "n", "ex_mean", "suppressed"]]
  unit     n  ex_mean  suppressed
0    A    40      3.9       False
1    B  <NA>      NaN        True
2    C  <NA>      NaN        True
3    D    25      4.0       False
>>> sat.guard(out) is out
True
"""

from __future__ import annotations

from .display_guard import IDENTIFIER_COLUMNS, guard
from .pseudonym import (
    DEMO_KEY,
    KEY_ENV,
    KEY_FILE_ENV,
    MIN_KEY_LENGTH,
    DemoKeyWarning,
    normalise_key,
    pseudonymise,
    pseudonymise_frame,
)
from .suppression import margins, suppress

__all__ = [
    "pseudonymise",
    "pseudonymise_frame",
    "normalise_key",
    "suppress",
    "margins",
    "guard",
    "DemoKeyWarning",
    "DEMO_KEY",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "IDENTIFIER_COLUMNS",
    "MIN_KEY_LENGTH",
]
