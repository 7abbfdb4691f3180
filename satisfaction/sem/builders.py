"""Model builders: lavaan syntax for the linkage chain and for longitudinal invariance.

The chain LQ -> EX -> REP -> CSAT (hypotheses H1, H2, H7)::

    EX   ~ a*LQ
    REP  ~ b*EX
    CSAT ~ c*REP (+ d*EX)        # d only for partial mediation

with the defined effects ``ind_ex_csat := b*c`` (EX -> REP -> CSAT, H2),
``ind_lq_csat`` (the whole indirect effect of LQ on CSAT, H7: ``a*b*c + a*d`` with
partial mediation, ``a*b*c`` with full mediation) and ``total_ex_csat`` (``b*c + d``
with partial mediation, ``b*c`` with full mediation). :func:`chain_paths` writes these
lines once; :func:`chain_model` (item-level) and
:func:`satisfaction.claims.chain_syntax` (unit means) both use it.

Partial mediation adds only the direct EX -> CSAT path ``d``: the claim under
test (H2) is that employee experience reaches customers through reputation,
and the population model has no direct LQ -> CSAT effect (add one with
``extra="CSAT ~ e*LQ"`` if you want to test it). The full-mediation model is
the partial one with ``d = 0``, so the two are nested and :func:`compare`
tests ``d`` with a one-degree-of-freedom chi-square difference.

:func:`longitudinal_model` writes one construct measured in several waves (wide
columns ``ex1_t1 ... ex1_t4``) with the loadings, intercepts and residual variances
of each item labelled alike across waves, level by level
(:func:`satisfaction.sem.invariance.longitudinal_invariance` fits the sequence).
"""

from __future__ import annotations

from ..errors import SEMError
from ..options import check_option

__all__ = [
    "chain_model",
    "chain_paths",
    "CHAIN_CONSTRUCTS",
    "longitudinal_model",
    "LONGITUDINAL_LEVELS",
]

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
    mediation = check_option(mediation, ("partial", "full"), "mediation", "chain_model")
    if len(constructs) != 4:
        raise SEMError("constructs must name four constructs: LQ, EX, REP and CSAT (in order)")
    try:
        measurement = instrument.measurement_model(list(constructs))
    except KeyError as exc:
        raise SEMError(
            f"{exc.args[0]} (chain_model needs constructs {', '.join(constructs)}; "
            "pass constructs=(...) with the instrument's names)"
        ) from None
    lines = [measurement, chain_paths(constructs, mediation)]
    if extra and extra.strip():
        lines.append(extra.strip())
    return "\n".join(lines)


def chain_paths(
    constructs: tuple[str, str, str, str] = CHAIN_CONSTRUCTS, mediation: str = "partial"
) -> str:
    """The chain's structural paths and defined effects, the one place they are written.

    Parameters
    ----------
    constructs : tuple of 4 str
        Names of the LQ, EX, REP and CSAT variables (latent or observed) in causal order.
    mediation : {"partial", "full"}
        ``"partial"`` adds the direct path ``CSAT ~ d*EX``.

    Returns
    -------
    str
        lavaan syntax: the paths ``a, b, c`` (and ``d``) and ``ind_ex_csat``,
        ``ind_lq_csat`` (every indirect route from LQ to CSAT) and ``total_ex_csat``.

    Examples
    --------
    >>> print(chain_paths(mediation="partial"))
    EX ~ a*LQ
    REP ~ b*EX
    CSAT ~ c*REP + d*EX
    ind_ex_csat := b*c
    ind_lq_csat := a*b*c + a*d
    total_ex_csat := b*c + d
    """
    mediation = check_option(mediation, ("partial", "full"), "mediation", "chain_paths")
    if len(constructs) != 4:
        raise SEMError("constructs must name four constructs: LQ, EX, REP and CSAT (in order)")
    lq, ex, rep, csat = constructs
    partial = mediation == "partial"
    return "\n".join(
        [
            f"{ex} ~ a*{lq}",
            f"{rep} ~ b*{ex}",
            f"{csat} ~ c*{rep}" + (f" + d*{ex}" if partial else ""),
            "ind_ex_csat := b*c",
            "ind_lq_csat := a*b*c" + (" + a*d" if partial else ""),
            "total_ex_csat := b*c" + (" + d" if partial else ""),
        ]
    )


#: longitudinal invariance levels (what each adds: loadings, intercepts, residual variances)
LONGITUDINAL_LEVELS = ("configural", "metric", "scalar", "strict")


def longitudinal_model(
    construct: str,
    items,
    waves,
    level: str = "configural",
    *,
    sep: str = "_",
    autocorrelated: bool = True,
    free=(),
) -> str:
    """lavaan syntax of one construct measured in several waves, with equalities across waves.

    Parameters
    ----------
    construct : str
        Name of the construct (the factor of wave ``w`` is ``f"{construct}{sep}{w}"``).
    items : sequence of str
        Item stems; the column of item ``i`` in wave ``w`` is ``f"{i}{sep}{w}"``
        (wide data: ``ex1_t1, ex2_t1, ..., ex1_t2, ...``).
    waves : sequence of str
        Wave suffixes, in time order (the first is the reference wave).
    level : {"configural", "metric", "scalar", "strict"}
        ``metric`` labels each item's loading the same in every wave, ``scalar`` also
        its intercept (latent means free but in the first wave), ``strict`` also its
        residual variance.
    sep : str
        Separator between item stem and wave.
    autocorrelated : bool
        Let the residuals of the same item covary across waves (the usual
        longitudinal CFA; Little 2013).
    free : iterable of str
        Parameters exempt from the equalities (partial invariance), written as the
        columns' lavaan rows: ``"EX_t3 =~ ex2_t3"``, ``"ex2_t3 ~ 1"``, ``"ex2_t3 ~~ ex2_t3"``.

    Returns
    -------
    str
        lavaan syntax with a mean structure at every level, so the levels are nested.

    Examples
    --------
    >>> print(longitudinal_model("EX", ["ex1", "ex2"], ["t1", "t2"], "scalar"))
    EX_t1 =~ ex1_t1 + l2*ex2_t1
    EX_t2 =~ ex1_t2 + l2*ex2_t2
    ex1_t1 ~ i1*1
    ex2_t1 ~ i2*1
    ex1_t2 ~ i1*1
    ex2_t2 ~ i2*1
    EX_t1 ~ 0*1
    EX_t2 ~ NA*1
    ex1_t1 ~~ ex1_t2
    ex2_t1 ~~ ex2_t2
    """
    level = check_option(level, LONGITUDINAL_LEVELS, "level", "longitudinal_model")
    items, waves = list(items), list(waves)
    if len(items) < 2 or len(waves) < 2:
        raise SEMError("longitudinal_model needs at least two items and two waves")
    rank = LONGITUDINAL_LEVELS.index(level)
    released = {"".join(str(x).split()) for x in free}
    lines = []
    for w in waves:
        terms = []
        for j, item in enumerate(items, start=1):
            col = f"{item}{sep}{w}"
            own = f"{construct}{sep}{w}=~{col}" in released
            lab = f"l{j}*" if rank >= 1 and j > 1 and not own else ""
            terms.append(f"{lab}{col}")
        lines.append(f"{construct}{sep}{w} =~ " + " + ".join(terms))
    for w in waves:
        for j, item in enumerate(items, start=1):
            col = f"{item}{sep}{w}"
            lab = f"i{j}*" if rank >= 2 and f"{col}~1" not in released else ""
            lines.append(f"{col} ~ {lab}1")
    for k, w in enumerate(waves):
        lines.append(f"{construct}{sep}{w} ~ {'NA' if rank >= 2 and k > 0 else '0'}*1")
    if rank >= 3:
        for w in waves:
            for j, item in enumerate(items, start=1):
                col = f"{item}{sep}{w}"
                if f"{col}~~{col}" not in released:
                    lines.append(f"{col} ~~ r{j}*{col}")
    if autocorrelated:
        for item in items:
            cols = [f"{item}{sep}{w}" for w in waves]
            for a in range(len(cols)):
                rest = cols[a + 1 :]
                if rest:
                    lines.append(f"{cols[a]} ~~ " + " + ".join(rest))
    return "\n".join(lines)
