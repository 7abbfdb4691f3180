"""power(): simulated power of the H3/H4 tests, in process and on a Dask client."""

from __future__ import annotations

import pytest
from dask import distributed

import satisfaction as sat
from satisfaction.claims import power, power_replication

DESIGN = {"n_units": 10, "quarters": 4, "n_employees": 240}


def test_power_replication_detects_nothing_without_effects_and_reports_estimates():
    """A replication with the lead and the loop switched off reports its estimates."""
    null = {"rep_ex_lag": 0.0, "csat_ex_lag": 0.0, "ex_csat_feedback": 0.0}
    out = power_replication(DESIGN, null, "fixed_effects", 0.05, seed=3)
    assert set(out) == {"H3", "H4", "H3_estimate", "H4_estimate", "failed"}
    assert not out["failed"]


def test_power_rows_intervals_and_the_same_answer_on_a_dask_client():
    local = power([DESIGN], n_rep=2, method="fixed_effects", progress=False)
    assert local["hypothesis"].tolist() == ["H3", "H4"]
    assert (local["n"] + local["failed"] == 2).all()
    assert (
        (local["ci_lower"] <= local["estimate"]) & (local["estimate"] <= local["ci_upper"])
    ).all()
    assert local["n_units"].tolist() == [10, 10]
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = power([DESIGN], n_rep=2, method="fixed_effects", client=client, progress=False)
    assert remote.drop(columns="method").equals(local.drop(columns="method"))


def test_power_checks_its_options():
    with pytest.raises(sat.OptionError, match="ri_clpm"):
        power([DESIGN], n_rep=1, method="granger", progress=False)
    with pytest.raises(sat.InputError, match="n_units and quarters"):
        power([{"n_units": 10}], n_rep=1, progress=False)
    with pytest.raises(sat.InputError, match="3 quarters"):
        power([{"n_units": 10, "quarters": 2}], n_rep=1, progress=False)
