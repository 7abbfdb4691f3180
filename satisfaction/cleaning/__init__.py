"""Clean raw survey answers, logging every dropped or changed row and value.

Each step is a small pure function ``step(data, items, ...) -> (data, log)``:
the input frame is never modified, and ``log`` is a tidy frame with one row per
dropped or changed row or value (columns :data:`LOG_COLUMNS`). :func:`clean`
chains them in a sensible order and checks that

    rows in = rows out + rows logged as dropped.

Steps, in the order :func:`clean` runs them:

1. :func:`spelled_to_missing` -- Excel errors (``#DIV/0!``) and spelled missing values
   (``NA``, ``NULL``, ``-``) -> missing, each logged with its reason (an empty cell is a skip);
   :func:`numbers_to_float` then reads the completion time as seconds (text that is not a
   number -> missing, logged as ``not_a_number``);
2. :func:`dont_know_to_missing` -- "En osaa sanoa", "Kan inte säga", "Don't know" -> missing;
3. :func:`drop_bad_dates` -- rows whose period or submission time cannot be read are dropped;
4. :func:`drop_empty` -- rows with no answer to any item are dropped;
5. :func:`drop_duplicates` -- the same respondent twice in a period: keep the latest;
6. :func:`recode_labels` -- Finnish, Swedish and English Likert labels -> 1-5;
7. :func:`check_range` -- values outside an item's scale -> missing (then :func:`drop_empty`
   again, for rows left with no valid answer);
8. :func:`flag_careless` -- straight-lining, low variability, speeding, outliers (flag or drop);
9. :func:`reverse_code` -- reverse-keyed items: new = low + high - old.

Examples
--------
>>> import pandas as pd
>>> import satisfaction as sat
>>> raw = pd.DataFrame({
...     "respondent_id": ["E1", "E2", "E2"],
...     "period": ["2026-01"] * 3,
...     "submitted_at": pd.to_datetime(["2026-01-03", "2026-01-04", "2026-01-05"]),
...     "lq1": ["Täysin samaa mieltä", "4", "En osaa sanoa"],
...     "ex5": ["Agree", "Helt av annan åsikt", "2"],
... })
>>> out = sat.clean(raw, sat.default_instrument(), careless=None)
>>> out.data[["respondent_id", "lq1", "ex5"]]
    respondent_id  lq1  ex5
row
0              E1  5.0  2.0
2              E2  NaN  4.0
>>> out.log[["row", "column", "rule", "action"]]
    row column          rule       action
0     2    lq1     dont_know  set_missing
1     1    NaN     duplicate         drop
2  <NA>    ex5  reverse_code       recode
"""

from __future__ import annotations

from ._base import CARELESS_METHODS, LOG_COLUMNS
from .careless import careless_metrics, flag_careless
from .pipeline import Cleaned, clean
from .rows import drop_bad_dates, drop_duplicates, drop_empty
from .values import (
    check_range,
    dont_know_to_missing,
    numbers_to_float,
    recode_labels,
    reverse_code,
    spelled_to_missing,
)

__all__ = [
    "Cleaned",
    "LOG_COLUMNS",
    "CARELESS_METHODS",
    "clean",
    "spelled_to_missing",
    "numbers_to_float",
    "recode_labels",
    "dont_know_to_missing",
    "check_range",
    "reverse_code",
    "drop_empty",
    "drop_bad_dates",
    "drop_duplicates",
    "flag_careless",
    "careless_metrics",
]
