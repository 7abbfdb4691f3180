"""Options are checked, never ignored: scales, instruments, simulate (issue 7, section 3).

Each public function of ``satisfaction.scales``, ``satisfaction.instruments`` and
``satisfaction.simulate`` that takes a string or enum option gets one invalid value here
and must raise :class:`satisfaction.errors.OptionError` (a ``ValueError``) whose message
names the option and lists every allowed value. ``satisfaction.linkage`` has no such
option: ``aggregate``'s ``by`` and ``respondent`` name data columns and are checked
against the data (``tests/test_linkage.py``).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

import satisfaction as sat
from satisfaction.errors import OptionError
from satisfaction.instruments import LANGUAGES, SOURCES, Construct, Item, label_map
from satisfaction.simulate import CHAIN_DEFAULTS, ORG_DEFAULTS


@contextmanager
def raises_listing(name: str, value, allowed):
    """``pytest.raises(OptionError)`` whose message names ``name=value`` and every allowed value."""
    with pytest.raises(OptionError, match=f"{name}={value!r} is not one of") as info:
        yield info
    missing = [a for a in allowed if repr(a) not in str(info.value)]
    assert missing == [], f"{info.value} does not list {missing}"
    assert isinstance(info.value, ValueError)


@pytest.fixture(scope="module")
def lq_answers():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.integers(1, 6, size=(30, 4)), columns=["lq1", "lq2", "lq3", "lq4"])


CONSTRUCTS = ["LQ", "EX", "REP", "CSAT"]


# --------------------------------------------------------------------------- scales


def test_score_constructs(lq_answers):
    inst = sat.default_instrument()
    with raises_listing("constructs", "Lq", CONSTRUCTS):
        sat.score(lq_answers, inst, constructs="Lq")  # construct names are case-sensitive
    assert sat.score(lq_answers, inst, constructs="LQ")["LQ"].notna().all()


def test_reliability_constructs(lq_answers):
    with raises_listing("constructs", "LQX", CONSTRUCTS):
        sat.reliability(lq_answers, sat.default_instrument(), constructs=["LQX"])


def test_item_analysis_constructs(lq_answers):
    with raises_listing("constructs", "ENGAGEMENT", CONSTRUCTS):
        sat.item_analysis(lq_answers, sat.default_instrument(), constructs=["LQ", "ENGAGEMENT"])


# --------------------------------------------------------------------------- instruments


def test_label_map_languages():
    with raises_listing("languages", "fr", LANGUAGES):
        label_map(["en", "fr"])
    assert label_map("FI") == label_map(["fi"])  # one language as a string, any case


def test_instrument_items_for_source():
    inst = sat.default_instrument()
    with raises_listing("source", "customers", SOURCES):
        inst.items_for("customers")  # it once returned () silently
    assert inst.items_for("Customer") == inst.items_for("customer") != ()


def test_item_and_construct_source():
    with raises_listing("source", "client", SOURCES):
        Item("q1", "Q1", "K1", source="client")
    item = Item("q1", "Q1", "K1")
    with raises_listing("source", "staff", SOURCES):
        Construct("Q", "Q", (item,), source="staff")


# --------------------------------------------------------------------------- simulate


def test_chain_sample_params():
    with raises_listing("params", "a", list(CHAIN_DEFAULTS)):
        sat.chain_sample(10, params={"a": 0.3})  # the label, not the parameter's name


def test_chain_sample_loadings():
    items = list(CHAIN_DEFAULTS["loadings"])
    with raises_listing("loadings", "lq9", items):
        sat.chain_sample(10, params={"loadings": {"lq1": 0.8, "lq9": 0.7}})


def test_chain_sample_likert():
    with raises_listing("likert", "no", [True, False]):
        sat.chain_sample(10, likert="no")  # a non-empty string was truthy: Likert data
    assert sat.chain_sample(10, likert=np.False_).data.dtypes.eq(float).all()


def test_organisation_params():
    with raises_listing("params", "response", list(ORG_DEFAULTS)):
        sat.organisation(params={"response": 0.5})
