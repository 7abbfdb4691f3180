"""Our estimator against semopy's, on the model where semopy 2.3.11's ML point estimates are right.

semopy stays the peer for syntax and point estimates of complete-data ML; its SEs after FIML,
its robust SEs and its log-likelihood are known to be wrong (see sem/fiml/ and sem/robust.py),
so only the estimates are compared here, to 0.5% (``peer_semopy`` in ``tests/conftest.py``):
semopy's SLSQP stops early (dem60 ~~ dem60: 3.9508 against lavaan's and ours 3.9560). lavaan
parity is in tests/test_sem_parity_*.py.
"""

from __future__ import annotations

import numpy as np
import semopy
from conftest import assert_close
from semopy.examples import political_democracy as example

import satisfaction as sat


def test_ml_estimates_agree_with_semopy_on_political_democracy(political_democracy):
    data = political_democracy
    desc = example.get_model()
    peer = semopy.Model(desc)
    peer.fit(data, obj="MLW")
    theirs = peer.inspect()
    ours = sat.fit_sem(desc, data).estimates
    compared = 0
    for row in theirs.itertuples():
        lhs, op, rhs = row.lval, row.op, row.rval
        if op == "~" and rhs in ("ind60", "dem60", "dem65") and lhs not in ("dem60", "dem65"):
            lhs, op, rhs = rhs, "=~", lhs  # semopy writes loadings as y ~ eta
        match = ours[(ours["lhs"] == lhs) & (ours["op"] == op) & (ours["rhs"] == rhs)]
        if match.empty and op == "~~":
            match = ours[(ours["lhs"] == rhs) & (ours["op"] == op) & (ours["rhs"] == lhs)]
        assert len(match) == 1, (lhs, op, rhs)
        where = f"{lhs} {op} {rhs}"
        assert_close(match["est"].iloc[0], float(row.Estimate), kind="peer_semopy", err_msg=where)
        compared += 1
    assert compared == len(theirs) >= 30
    assert np.isfinite(ours["se"]).sum() >= 30
