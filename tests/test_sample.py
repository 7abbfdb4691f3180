"""Tests of satisfaction.sample (load_sample, load_sample_exports) and data/README.md."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import satisfaction as sat
from satisfaction import config
from satisfaction.errors import InputError
from satisfaction.simulate import truth_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_load_sample_is_the_seed_zero_organisation():
    org = sat.load_sample()
    assert isinstance(org, sat.Organisation)
    ref = sat.organisation(seed=0)
    for name in ("pulse", "customers", "hr_events", "units", "truth", "latent"):
        pd.testing.assert_frame_equal(getattr(org, name), getattr(ref, name))
    assert org.seed == 0


def test_load_sample_returns_independent_copies():
    a = sat.load_sample()
    a.pulse.loc[0, "lq1"] = 99
    a.units.loc[0, "headcount_start"] = -1
    b = sat.load_sample()
    assert b.pulse.loc[0, "lq1"] != 99
    assert b.units.loc[0, "headcount_start"] > 0


def test_load_sample_chain_and_bad_kind():
    s = sat.load_sample("chain")
    assert isinstance(s, sat.ChainSample)
    assert s.data.shape == (1000, 17)
    pd.testing.assert_frame_equal(s.data, sat.chain_sample(1000, seed=0).data)
    with pytest.raises(InputError, match="unknown"):
        sat.load_sample("people")


def test_load_sample_exports_points_at_data_sample():
    folder = sat.load_sample_exports()
    assert folder == config.SAMPLE_DATA_DIR
    for name in ("pulse.csv", "customers.xlsx", "hr_events.csv", "units.csv", "manifest.json"):
        assert (folder / name).is_file()


def test_load_sample_exports_says_how_to_fix_a_missing_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "SAMPLE_DATA_DIR", tmp_path / "nothing")
    with pytest.raises(InputError, match="make sample"):
        sat.load_sample_exports()


def test_readme_true_effects_match_the_code():
    """data/README.md's true-effects table is truth_markdown(organisation().truth)."""
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- truth:start -->\n(.*?)\n<!-- truth:end -->", text, flags=re.S)
    assert found, "data/README.md lost its truth markers"
    assert found.group(1) == truth_markdown(sat.load_sample().truth)
