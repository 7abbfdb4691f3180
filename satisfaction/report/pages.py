"""The words and tables of the report pages, as escaped HTML for the notebooks to display.

A report notebook only tells: it loads the artefacts, calls these functions and
displays what they return. Every string from data (unit names, labels) is
escaped here with :func:`satisfaction.report.safety.html_text`; numbers are
formatted here, with their interval and n.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .safety import html_text

__all__ = [
    "Html",
    "heading",
    "paragraph",
    "bullet_list",
    "table",
    "headline_list",
    "unit_sentences",
    "below_threshold",
    "methods",
    "summary_wide",
    "comparison_table",
    "figure",
]

WITHHELD = "withheld"


class Html(str):
    """A string of safe HTML that Jupyter displays as HTML (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)


def heading(text: Any, level: int = 2) -> Html:
    """``<h2>text</h2>`` with the text escaped.

    >>> heading("<b>R&D</b>", 1)
    '<h1>&lt;b&gt;R&amp;D&lt;/b&gt;</h1>'
    """
    level = min(max(int(level), 1), 6)
    return Html(f"<h{level}>{html_text(text)}</h{level}>")


def paragraph(*parts: Any) -> Html:
    """One paragraph from pieces of text, each escaped."""
    return Html("<p>" + "".join(html_text(p) for p in parts) + "</p>")


def bullet_list(items: Sequence[Any]) -> Html:
    """An unordered list, each item escaped."""
    return Html("<ul>" + "".join(f"<li>{html_text(i)}</li>" for i in items) + "</ul>")


def _fmt(value: Any, digits: int) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    if digits == 0:
        return f"{float(value):.0f}"
    return f"{float(value):.{digits}f}"


def table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    digits: Mapping[str, int] | None = None,
    *,
    caption: str | None = None,
) -> Html:
    """An HTML table of ``frame``'s ``columns`` (name -> header), every cell escaped.

    Blank numeric cells are shown as "withheld" (too few respondents, or hidden
    to protect a small group). ``digits`` gives decimals per column (default 2,
    ``0`` for counts).

    >>> t = table(pd.DataFrame({"unit": ["<i>A</i>"], "n": [7], "EX": [float("nan")]}),
    ...           {"unit": "Unit", "n": "n", "EX": "EX"}, {"n": 0})
    >>> "&lt;i&gt;A&lt;/i&gt;" in t and "withheld" in t
    True
    """
    digits = dict(digits or {})
    head = "".join(f"<th>{html_text(h)}</th>" for h in columns.values())
    body = []
    for _, row in frame.iterrows():
        cells = []
        for col in columns:
            value = row[col]
            text = _fmt(value, digits.get(col, 2))
            if text == "" and col != next(iter(columns)):
                cells.append(f'<td class="{WITHHELD}">{WITHHELD}</td>')
            else:
                cells.append(f"<td>{html_text(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html_text(caption)}</caption>" if caption else ""
    return Html(
        f'<table class="report-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _value_with_ci(value: float, lo: float, hi: float, digits: int) -> str:
    if lo == lo and hi == hi:
        return f"{value:.{digits}f} (95% CI {lo:.{digits}f} to {hi:.{digits}f})"
    return f"{value:.{digits}f}"


def headline_list(headline: pd.DataFrame) -> Html:
    """The organisation's headline indices, one item each, with CI, n, response rate and change."""
    items = []
    for row in headline.itertuples():
        digits = 0 if row.index in ("enps", "nps") else 2
        if pd.isna(row.value):
            items.append(f"<li>{html_text(row.sentence)}</li>")
            continue
        rate = f", response rate {row.response_rate:.0%}" if pd.notna(row.response_rate) else ""
        figure = _value_with_ci(row.value, row.ci_lower, row.ci_upper, digits)
        items.append(
            f"<li><strong>{html_text(row.label)}</strong>: {html_text(figure)}, "
            f"n = {int(row.n)}{html_text(rate)}. {html_text(row.sentence)}</li>"
        )
    return Html("<ul>" + "".join(items) + "</ul>")


def unit_sentences(summary: pd.DataFrame, unit: str) -> Html:
    """A "what this means" paragraph written from the unit's numbers against the organisation's.

    An index is called above or below the organisation only when the unit's 95%
    interval lies wholly on one side of the organisation's value.
    """
    above, below, level = [], [], []
    for row in summary.itertuples():
        if pd.isna(row.value) or pd.isna(row.org_value):
            continue
        if pd.notna(row.ci_lower) and row.ci_lower > row.org_value:
            above.append(row.label)
        elif pd.notna(row.ci_upper) and row.ci_upper < row.org_value:
            below.append(row.label)
        else:
            level.append(row.label)
    parts = []
    if below:
        parts.append(f"{', '.join(below)}: clearly below the organisation; worth a conversation.")
    if above:
        parts.append(f"{', '.join(above)}: clearly above the organisation.")
    if level:
        parts.append(
            f"{', '.join(level)}: not distinguishable from the organisation at this sample size."
        )
    if not parts:
        parts.append("No index can be compared with the organisation this quarter.")
    return Html(
        f"<p><strong>What this means for {html_text(unit)}.</strong> "
        + " ".join(html_text(p) for p in parts)
        + "</p>"
    )


def below_threshold(unit: str, quarter: str, min_group_size: int) -> Html:
    """The whole content of a unit page whose figures may not be shown."""
    return Html(
        f"<h1>{html_text(unit)}, {html_text(quarter)}</h1>"
        f"<p>This unit's figures are not shown for {html_text(quarter)}: fewer than "
        f"{int(min_group_size)} people answered, or showing them would let someone work out "
        "the answers of a smaller group (for example from the organisation's total or from "
        "last quarter's report).</p>"
    )


def methods(meta: Mapping[str, Any], reliability: pd.DataFrame | None = None) -> Html:
    """The methods appendix: provenance, sample sizes, reliability and suppression notes."""
    rows = "".join(
        f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in meta.items()
    )
    out = f'<table class="report-table"><tbody>{rows}</tbody></table>'
    if reliability is not None and len(reliability):
        rel = reliability.assign(
            label=reliability["construct"],
        )
        out += "<p>Reliability of the scales (all responses, Cronbach's alpha with 95% CI, "
        out += "McDonald's omega):</p>"
        out += table(
            rel,
            {
                "label": "Scale",
                "n_items": "Items",
                "n": "Responses",
                "alpha": "alpha",
                "alpha_ci_lower": "CI lower",
                "alpha_ci_upper": "CI upper",
                "omega_total": "omega",
            },
            {"n_items": 0, "n": 0},
        )
    return Html(out)


def summary_wide(page: pd.DataFrame) -> pd.DataFrame:
    """A unit page's ``summary`` rows side by side: the unit's figures and the organisation's.

    Returns
    -------
    DataFrame
        ``index, label, n, value, ci_lower, ci_upper, org_n, org_value, org_ci_lower,
        org_ci_upper``.
    """
    part = page[page["part"] == "summary"]
    cols = ["index", "label", "n", "value", "ci_lower", "ci_upper"]
    mine = part[part["who"] == "unit"][cols]
    org = part[part["who"] == "organisation"][cols].drop(columns="label")
    org = org.rename(columns={c: f"org_{c}" for c in cols[2:]})
    return mine.merge(org, on="index", how="left").reset_index(drop=True)


def comparison_table(wide: pd.DataFrame) -> Html:
    """The unit's indices beside the organisation's, each with its 95% CI and n."""
    rows = []
    for r in wide.itertuples():
        digits = 0 if r.index in ("enps", "nps") else 2
        rows.append(
            {
                "label": r.label,
                "unit": _value_with_ci(r.value, r.ci_lower, r.ci_upper, digits),
                "n": r.n,
                "org": _value_with_ci(r.org_value, r.org_ci_lower, r.org_ci_upper, digits)
                if pd.notna(r.org_value)
                else "",
                "org_n": r.org_n,
            }
        )
    frame = pd.DataFrame(rows, columns=["label", "unit", "n", "org", "org_n"])
    return table(
        frame,
        {
            "label": "Index",
            "unit": "This unit",
            "n": "n",
            "org": "Organisation",
            "org_n": "n (organisation)",
        },
        {"n": 0, "org_n": 0},
    )


def figure(fig: Any, alt: str) -> Html:
    """A matplotlib figure as an embedded PNG ``<img>`` with escaped alternative text.

    The figure is drawn once and closed; the page needs no file and no network.
    """
    import base64

    from ..plots import figure_png

    data = base64.b64encode(figure_png(fig)).decode("ascii")
    return Html(
        f'<img class="report-figure" alt="{html_text(alt)}" src="data:image/png;base64,{data}">'
    )
