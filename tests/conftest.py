"""What several test files share: the tolerance rule, the reference loaders, the data sets.

The tolerance rule
------------------
Every floating-point comparison in the suite goes through :func:`assert_close` with a
``kind`` saying what is compared; the kind fixes the tolerance (:data:`TOLERANCES`). A
value passes when ``|actual - expected| <= atol + rtol * |expected|`` (NaN matches NaN).

* **exact**: counts, integers, labels, and the same code run twice on the same input
  (a seeded rerun). Nothing else is exact: the same formula evaluated along another path
  (batched against looped, another BLAS kernel, another thread count) rounds differently.
* **roundoff**: one quantity computed two ways by our own code, with no iteration and
  no approximation in between (batched against looped, closed form against a brute-force
  sum). Only rounding differs: ``rtol = 1e-9``, many orders above double precision, so a
  different CPU, OpenBLAS kernel or thread count never matters.
* **finite_difference**: an analytic derivative against central differences, whose
  truncation and cancellation error is about ``1e-7`` at the steps the tests use:
  ``rtol = atol = 1e-5``.
* **solver**: two of our own optimisers (or one started elsewhere) at the same optimum.
  They stop when the objective changes by less than their tolerance, so the parameters
  agree only to about the square root of it: ``rtol = atol = 1e-5``.
* **parity**: our estimates, standard errors, z, p-values, intervals, standardised
  solutions, R-squared, (co)variances of the estimates and polychoric correlations
  against lavaan 0.6-14 (the JSON in ``tests/reference``). lavaan's optimiser stops at a
  relative change of about 1e-10 in the objective, so its estimates and SEs are
  themselves accurate to about 1e-6 relative; parity cannot mean more than that. We
  measured at most about 5e-6 of ``1 + |lavaan|`` (z-values after ULS and GLS, where the
  optimum is flat; 1e-6 to 2e-6 elsewhere) and assert ``rtol = atol = 1e-5``.
* **parity_fit**: fit measures and test statistics (chi-square, scaling factors, CFI,
  RMSEA and its interval, log-likelihoods, AIC/BIC). They are functions of the minimum
  of the objective, where lavaan's stopping error enters squared, but several pass
  through a second iteration (RMSEA interval, EM) or a ratio of traces:
  ``rtol = atol = 1e-5``.
* **parity_mi**: modification indices and expected parameter changes. They are built
  on the gradient at lavaan's (not exactly zero-gradient) estimates, so they inherit
  lavaan's stopping error linearly, not squared: ``rtol = atol = 1e-4``. The ULS fit,
  whose optimum lavaan finds only to about 1e-5, is compared with ``parity_uls``
  (``rtol = atol = 5e-3``).
* **peer_semopy**: semopy's ML estimates, where its SLSQP optimiser stops early
  (dem60 ~~ dem60: 3.9508 against lavaan's 3.9560): ``rtol = 5e-3``, ``atol = 2e-3``.
* **printed**: a number copied into a test as printed by another program with
  ``decimals`` decimals (or ``digits`` significant digits): half a unit in the last
  printed place, plus the parity tolerance.
* **statistical**: Monte Carlo or sampling comparisons (bootstrap runs, simulated truth).
  The test passes ``atol`` and/or ``rtol`` itself and derives it, in its docstring or a
  comment, from the sampling standard deviation (typically 4 of them).

Set ``SATISFACTION_TOLERANCE_LOG`` to a file name to append, for every comparison, the
kind and the worst ``|difference| / tolerance`` (how much of the tolerance was used).

Shared data
-----------
:func:`load_reference` and :func:`reference_table` read lavaan's JSON; a missing file
**fails** the test (it never skips): regenerate it with ``tests/reference/make_reference.R``.
:func:`reference_data` reads the CSV files both programs fitted. The fixtures
``sample_org`` (the bundled sample organisation, session-scoped: do not modify it,
``.copy()`` a frame first), ``holzinger39`` and ``political_democracy`` (semopy's example
data sets, also as :func:`semopy_data` for module-level constants) are available to every
test.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

__all__ = [
    "Tolerance",
    "TOLERANCES",
    "REFERENCE",
    "assert_close",
    "load_reference",
    "reference_table",
    "reference_data",
    "semopy_data",
]

#: lavaan's reference results (JSON) and the data they were computed from (``data/``)
REFERENCE = Path(__file__).parent / "reference"


@dataclass(frozen=True)
class Tolerance:
    """``|actual - expected| <= atol + rtol * |expected|``, and why."""

    rtol: float
    atol: float
    why: str


#: the tolerance of each kind of comparison (the rule is in the module docstring)
TOLERANCES: dict[str, Tolerance] = {
    "exact": Tolerance(0.0, 0.0, "counts, integers, the same code on the same input"),
    "roundoff": Tolerance(1e-9, 1e-12, "the same quantity along two code paths: rounding only"),
    "finite_difference": Tolerance(1e-5, 1e-5, "analytic derivative against central differences"),
    "solver": Tolerance(1e-5, 1e-5, "two of our optimisers at the same optimum"),
    "parity": Tolerance(1e-5, 1e-5, "lavaan's estimates and SEs are accurate to about 1e-6"),
    "parity_fit": Tolerance(1e-5, 1e-5, "fit measures and test statistics against lavaan"),
    "parity_mi": Tolerance(1e-4, 1e-4, "modification indices: lavaan's stopping error, linearly"),
    "parity_uls": Tolerance(5e-3, 5e-3, "lavaan's ULS optimum is accurate to about 1e-5 only"),
    "peer_semopy": Tolerance(5e-3, 2e-3, "semopy's SLSQP stops early (a 0.13% gap measured)"),
}


def _log(kind: str, worst: float, diff: float) -> None:
    path = os.environ.get("SATISFACTION_TOLERANCE_LOG")
    if not path:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"test": test, "kind": kind, "used": worst, "diff": diff}) + "\n")


def assert_close(
    actual,
    expected,
    *,
    kind: str,
    atol: float | None = None,
    rtol: float | None = None,
    decimals: int | None = None,
    digits: int | None = None,
    err_msg: str = "",
) -> None:
    """Assert ``actual`` equals ``expected`` within the tolerance of ``kind``.

    Parameters
    ----------
    actual, expected : float or array-like
        Broadcastable numbers; NaN in both places counts as equal.
    kind : str
        One of :data:`TOLERANCES`, ``"printed"`` or ``"statistical"``.
    atol, rtol : float, optional
        Only with ``kind="statistical"``, where the test derives them from a sampling SD.
    decimals, digits : int, optional
        Only with ``kind="printed"``: how the expected number was printed.
    err_msg : str
        Added to the failure message.
    """
    if kind == "statistical":
        if atol is None and rtol is None:
            raise TypeError("kind='statistical' needs atol= or rtol= derived from a sampling SD")
        tol = Tolerance(rtol or 0.0, atol or 0.0, "sampling error")
    elif atol is not None or rtol is not None:
        raise TypeError(f"kind={kind!r} fixes its own tolerance; atol/rtol are for 'statistical'")
    elif kind == "printed":
        if (decimals is None) == (digits is None):
            raise TypeError("kind='printed' needs exactly one of decimals= or digits=")
        par = TOLERANCES["parity"]
        if decimals is not None:
            tol = Tolerance(par.rtol, par.atol + 0.5 * 10.0**-decimals, "printed")
        else:
            tol = Tolerance(par.rtol + 0.5 * 10.0 ** (1 - digits), par.atol, "printed")
    elif kind in TOLERANCES:
        if decimals is not None or digits is not None:
            raise TypeError("decimals/digits are for kind='printed'")
        tol = TOLERANCES[kind]
    else:
        allowed = ", ".join(repr(k) for k in [*TOLERANCES, "printed", "statistical"])
        raise ValueError(f"assert_close: kind={kind!r} is not one of {allowed}")
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    a, e = np.broadcast_arrays(a, e)
    both_nan = np.isnan(a) & np.isnan(e)
    with np.errstate(invalid="ignore"):
        diff = np.where(both_nan | (a == e), 0.0, np.abs(a - e))
        bound = tol.atol + tol.rtol * np.abs(e)
        same = both_nan | (a == e)  # also equal infinities
        ok = same | (diff <= bound)
    if a.size:
        with np.errstate(invalid="ignore", divide="ignore"):
            used = np.where(bound > 0, diff / bound, np.where(diff > 0, np.inf, 0.0))
        used = np.where(same, 0.0, used)
        worst = float(np.nanmax(np.where(np.isnan(used), np.inf, used)))
        _log(kind, worst, float(np.nanmax(np.where(np.isnan(diff), np.inf, diff))))
    if not ok.all():
        bad = np.flatnonzero(~ok.ravel())
        i = bad[np.argmax(np.nan_to_num(diff.ravel()[bad], nan=np.inf))]
        raise AssertionError(
            f"{err_msg}{': ' if err_msg else ''}{len(bad)} of {a.size} value(s) differ beyond "
            f"the {kind!r} tolerance (atol={tol.atol:g}, rtol={tol.rtol:g}); worst at flat "
            f"index {i}: actual {a.ravel()[i]!r}, expected {e.ravel()[i]!r}, "
            f"difference {diff.ravel()[i]:.3g}"
        )


# --------------------------------------------------------------------------- references


def _must_exist(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"reference file {path} is missing; regenerate it with "
            "`python tests/reference/make_data.py && Rscript tests/reference/make_reference.R` "
            "(see tests/reference/README.md)",
            pytrace=False,
        )
    return path


def load_reference(case: str, folder: str | None = None) -> dict:
    """lavaan's (or psych's) results for ``case``: ``tests/reference[/folder]/<case>.json``.

    A missing file fails the test with the command that regenerates it; it never skips.
    """
    base = REFERENCE / folder if folder else REFERENCE
    return json.loads(_must_exist(base / f"{case}.json").read_text(encoding="utf-8"))


def reference_table(ref: dict, key: str = "estimates") -> pd.DataFrame:
    """lavaan's ``parameterEstimates()`` from a reference, with ``.`` in names as ``_``."""
    return pd.DataFrame(ref[key]).rename(columns=lambda c: c.replace(".", "_"))


def reference_data(name: str) -> pd.DataFrame:
    """A data set lavaan fitted: ``tests/reference/data/<name>.csv`` (e.g. ``"hs"``)."""
    return pd.read_csv(_must_exist(REFERENCE / "data" / f"{name}.csv"))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def sample_org():
    """The bundled sample organisation (``sat.load_sample()``), once per session.

    Shared by every test that asks for it: do not modify it; ``.copy()`` a frame first.
    """
    import satisfaction as sat

    return sat.load_sample()


def semopy_data(name: str) -> pd.DataFrame:
    """One of semopy's example data sets: ``"holzinger39"`` or ``"political_democracy"``.

    For module-level constants (``parametrize`` arguments); tests use the fixtures below.
    """
    from semopy import examples

    allowed = ("holzinger39", "political_democracy")
    if name not in allowed:
        raise ValueError(f"semopy_data: name={name!r} is not one of {allowed}")
    return getattr(examples, name).get_data()


@pytest.fixture(scope="session")
def holzinger39() -> pd.DataFrame:
    """semopy's Holzinger-Swineford (1939) data set (n = 301). Do not modify it."""
    return semopy_data("holzinger39")


@pytest.fixture(scope="session")
def political_democracy() -> pd.DataFrame:
    """semopy's copy of Bollen's political democracy data set (n = 75). Do not modify it."""
    return semopy_data("political_democracy")
