"""Model builders: lavaan syntax for the linkage chain LQ -> EX -> REP -> CSAT.

The chain (DESIGN.md, hypotheses H1, H2, H7)::

    EX   ~ a*LQ
    REP  ~ b*EX
    CSAT ~ c*REP (+ d*EX)        # d only for partial mediation

with the defined effects ``ind_ex_csat := b*c`` (EX -> REP -> CSAT, H2),
``ind_lq_csat := a*b*c`` (LQ -> EX -> REP -> CSAT, H7) and ``total_ex_csat``
(``d + b*c`` with partial mediation, ``b*c`` with full mediation).

Partial mediation adds only the direct EX -> CSAT path ``d``: the claim under
test (H2) is that employee experience reaches customers through reputation,
and the population model has no direct LQ -> CSAT effect (add one with
``extra="CSAT ~ e*LQ"`` if you want to test it). The full-mediation model is
the partial one with ``d = 0``, so the two are nested and :func:`compare`
tests ``d`` with a one-degree-of-freedom chi-square difference.
"""

from __future__ import annotations

from ..errors import SEMError

__all__ = ["chain_model", "CHAIN_CONSTRUCTS"]

#: construct names of the chain, in causal order
CHAIN_CONSTRUCTS = ("LQ", "EX", "REP", "CSAT")


def chain_model(
    instrument,
    mediation: str = "partial",
    extra: str = "",
    *,
    constructs: tuple[str, str, str, str] = CHAIN_CONSTRUCTS,
) -> str:
    """lavaan syntax of the chain LQ -> EX -> REP -> CSAT for an instrument.

    Parameters
    ----------
    instrument : Instrument
        Supplies the measurement model (``instrument.measurement_model(...)``).
    mediation : {"partial", "full"}
        ``"partial"`` adds the direct path ``CSAT ~ d*EX``; ``"full"`` leaves it out
        (nested in the partial model).
    extra : str
        More lavaan syntax appended verbatim (residual covariances, extra paths ...).
    constructs : tuple of 4 str
        Names of the LQ, EX, REP and CSAT constructs in the instrument.

    Returns
    -------
    str
        lavaan syntax with labelled paths ``a, b, c`` (and ``d``) and the defined
        effects ``ind_ex_csat``, ``ind_lq_csat``, ``total_ex_csat``.

    Examples
    --------
    >>> from satisfaction.instruments import default_instrument
    >>> print(chain_model(default_instrument(), "full"))
    LQ =~ lq1 + lq2 + lq3 + lq4
    EX =~ ex1 + ex2 + ex3 + ex4 + ex5
    REP =~ rep1 + rep2 + rep3 + rep4 + rep5
    CSAT =~ csat1 + csat2 + csat3
    EX ~ a*LQ
    REP ~ b*EX
    CSAT ~ c*REP
    ind_ex_csat := b*c
    ind_lq_csat := a*b*c
    total_ex_csat := b*c
    """
    if mediation not in ("partial", "full"):
        raise SEMError(f"mediation={mediation!r} must be 'partial' or 'full'")
    if len(constructs) != 4:
        raise SEMError("constructs must name four constructs: LQ, EX, REP and CSAT (in order)")
    lq, ex, rep, csat = constructs
    try:
        measurement = instrument.measurement_model(list(constructs))
    except KeyError as exc:
        raise SEMError(
            f"{exc.args[0]} (chain_model needs constructs {', '.join(constructs)}; "
            "pass constructs=(...) with the instrument's names)"
        ) from None
    direct = f" + d*{ex}" if mediation == "partial" else ""
    total = "d + b*c" if mediation == "partial" else "b*c"
    lines = [
        measurement,
        f"{ex} ~ a*{lq}",
        f"{rep} ~ b*{ex}",
        f"{csat} ~ c*{rep}{direct}",
        "ind_ex_csat := b*c",
        "ind_lq_csat := a*b*c",
        f"total_ex_csat := {total}",
    ]
    if extra and extra.strip():
        lines.append(extra.strip())
    return "\n".join(lines)
