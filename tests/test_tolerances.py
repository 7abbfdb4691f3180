"""The tolerance rule of tests/conftest.py: the helper, the loaders, and that the suite uses them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import TOLERANCES, assert_close, load_reference, reference_data

TESTS = Path(__file__).parent


def test_the_amd_epyc_difference_is_inside_parity():
    """On an AMD EPYC the robust SE of polidem_mlr came out 0.9157118294624018 against
    lavaan's 0.915711841189962 (1.2e-8 apart): the old absolute tolerance of 1e-8 failed, ``parity`` holds."""
    ours, lavaan = 0.9157118294624018, 0.915711841189962
    assert abs(ours - lavaan) > 1e-8
    assert_close(ours, lavaan, kind="parity")


def test_parity_is_no_tighter_than_lavaans_own_precision():
    """lavaan's estimates are accurate to about 1e-6 relative: no parity kind asks for more."""
    for kind in ("parity", "parity_fit", "parity_mi", "parity_uls"):
        assert TOLERANCES[kind].rtol >= 1e-6 and TOLERANCES[kind].atol >= 1e-6
    assert TOLERANCES["exact"].rtol == TOLERANCES["exact"].atol == 0


def test_assert_close_fails_outside_the_tolerance_and_names_the_worst_value():
    assert_close([1.0, np.nan, 2.0], [1.0 + 5e-6, np.nan, 2.0], kind="parity")
    assert_close(np.inf, np.inf, kind="roundoff")
    with pytest.raises(AssertionError, match=r"1 of 3 value\(s\).*'parity'.*difference 0.0001"):
        assert_close([1.0, 2.0, 3.0], [1.0, 2.0001, 3.0], kind="parity", err_msg="se")
    with pytest.raises(AssertionError):
        assert_close(np.nan, 1.0, kind="parity")
    with pytest.raises(AssertionError):
        assert_close(3, 4, kind="exact")
    with pytest.raises(AssertionError):  # 0.0004 from a number printed with 3 decimals is fine,
        assert_close(0.5541, 0.553, kind="printed", decimals=3)  # 0.0011 is not
    assert_close(0.5534, 0.553, kind="printed", decimals=3)


def test_assert_close_refuses_unknown_kinds_and_misplaced_tolerances():
    with pytest.raises(ValueError, match="'parity'"):
        assert_close(1.0, 1.0, kind="loose")
    with pytest.raises(TypeError, match="statistical"):
        assert_close(1.0, 1.0, kind="parity", atol=1.0)
    with pytest.raises(TypeError, match="sampling SD"):
        assert_close(1.0, 1.0, kind="statistical")
    with pytest.raises(TypeError, match="decimals"):
        assert_close(1.0, 1.0, kind="printed")


def test_a_missing_reference_file_fails_never_skips():
    with pytest.raises(pytest.fail.Exception, match="make_reference.R"):
        load_reference("no_such_case")
    with pytest.raises(pytest.fail.Exception, match="no_such_data.csv"):
        reference_data("no_such_data")
    assert load_reference("hs_cfa_ml")["case"] == "hs_cfa_ml"


def test_every_test_file_compares_floats_through_the_rule():
    """No hand-picked tolerance (``pytest.approx``, ``assert_allclose``, ``np.allclose`` as an
    assertion) and no skip on a missing reference file outside tests/conftest.py."""
    pattern = re.compile(
        r"pytest\.approx\(|assert_allclose\(|assert np\.allclose\(|"
        r"skip\(.*(missing|not generated|exists)|skipif\(.*exists"
    )
    offenders = []
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
