"""Figures for the reports: honest axes, uncertainty bands, colour-blind-safe, safe text.

Every function takes a tidy DataFrame (the figure's source data, already through
the report's privacy path) and returns a matplotlib ``Figure``; nothing is
computed here. The rules the figures follow:

* axes start at the scale's floor (1 for a 1-5 mean, -100 for a net promoter
  score) and end at its ceiling, so noise does not look like movement; every
  value is drawn with its 95% confidence band;
* the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
* mathtext is off (``text.parse_math = False``): text from data, such as a unit
  name with a ``$``, is drawn as it is, never parsed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "SCALES",
    "safe_text",
    "trend_figure",
    "comparison_figure",
    "heatmap_figure",
    "path_figure",
    "figure_png",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Floor and ceiling of each index's scale.
SCALES = {
    "EX": (1, 5),
    "LQ": (1, 5),
    "REP": (1, 5),
    "CSAT": (1, 5),
    "enps": (-100, 100),
    "nps": (-100, 100),
}
_RC = {
    "text.parse_math": False,
    "text.usetex": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "figure.dpi": 96,
}


def safe_text():
    """A context in which matplotlib draws text literally (no mathtext, no TeX).

    >>> with safe_text():
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("Sales $ and $ marketing")
    ...     fig.canvas.draw()
    >>> plt.close(fig)
    """
    return plt.rc_context(_RC)


def _band(ax, part: pd.DataFrame, x: np.ndarray, color: str, label: str, dashed: bool = False):
    y = part["value"].to_numpy(dtype=float)
    lo = part["ci_lower"].to_numpy(dtype=float)
    hi = part["ci_upper"].to_numpy(dtype=float)
    ax.fill_between(x, lo, hi, color=color, alpha=0.18 if not dashed else 0.10, linewidth=0)
    ax.plot(
        x, y, color=color, marker="o", markersize=4, linestyle="--" if dashed else "-", label=label
    )


def trend_figure(data: pd.DataFrame, *, title: str = "") -> Figure:
    """Quarterly values with 95% bands: 1-5 indices on one panel, net promoter scores on another.

    Parameters
    ----------
    data : DataFrame
        ``quarter, index, label, value, ci_lower, ci_upper`` (see
        :func:`satisfaction.report.trend`); withheld quarters have no value and
        leave a gap.
    title : str
        Figure title (drawn literally).

    Returns
    -------
    Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"], "index": "EX",
    ...                       "label": "Employee experience", "value": [3.4, 3.5],
    ...                       "ci_lower": [3.3, 3.4], "ci_upper": [3.5, 3.6]})
    >>> fig = trend_figure(frame, title="R&D $1")
    >>> tuple(float(v) for v in fig.axes[0].get_ylim())
    (1.0, 5.0)
    >>> plt.close(fig)
    """
    quarters = sorted(data["quarter"].unique())
    x = np.arange(len(quarters))
    groups = [
        g for g in (("EX", "LQ", "REP", "CSAT"), ("enps", "nps")) if data["index"].isin(g).any()
    ]
    with safe_text():
        fig, axes = plt.subplots(
            1, len(groups), figsize=(4.6 * len(groups) + 1, 3.6), squeeze=False
        )
        for ax, group in zip(axes[0], groups, strict=True):
            for i, ix in enumerate(group):
                part = data[data["index"] == ix].set_index("quarter").reindex(quarters)
                if part["value"].notna().any():
                    label = str(data.loc[data["index"] == ix, "label"].iloc[0])
                    _band(ax, part, x, PALETTE[i], label)
            lo, hi = SCALES[group[0]]
            ax.set_ylim(lo, hi)
            ax.set_yticks(np.linspace(lo, hi, 5))
            ax.set_ylabel("mean, 1-5 scale" if hi == 5 else "net promoter score (-100 to 100)")
            ax.set_xticks(x, quarters, rotation=45, ha="right")
            ax.grid(axis="y", alpha=0.3)
            ax.legend(loc="lower left", fontsize=8, frameon=False)
        if title:
            fig.suptitle(title)
        # fixed margins: tight_layout would draw the figure once more only to measure it
        fig.subplots_adjust(
            left=0.09, right=0.98, bottom=0.24, top=0.88 if title else 0.95, wspace=0.3
        )
    return fig


def comparison_figure(data: pd.DataFrame, *, unit_label: str, title: str = "") -> Figure:
    """A unit's trend beside the organisation's, one small panel per index, with 95% bands.

    Parameters
    ----------
    data : DataFrame
        ``who, quarter, index, label, value, ci_lower, ci_upper`` where ``who`` is
        ``"unit"`` or ``"organisation"``.
    unit_label : str
        How the unit is named in the legend (drawn literally).
    title : str
        Figure title (drawn literally).

    Returns
    -------
    Figure
    """
    quarters = sorted(data["quarter"].unique())
    x = np.arange(len(quarters))
    indices = [ix for ix in SCALES if data["index"].eq(ix).any()]
    cols = 3
    rows = max(1, int(np.ceil(len(indices) / cols)))
    with safe_text():
        fig, axes = plt.subplots(rows, cols, figsize=(11, 3.0 * rows), squeeze=False)
        for ax in axes.flat[len(indices) :]:
            ax.set_visible(False)
        for k, (ax, ix) in enumerate(zip(axes.flat, indices, strict=False)):
            part = data[data["index"] == ix]
            for who, color, dashed, name in (
                ("organisation", PALETTE[7], True, "organisation"),
                ("unit", PALETTE[0], False, unit_label),
            ):
                mine = part[part["who"] == who].set_index("quarter").reindex(quarters)
                if mine["value"].notna().any():
                    _band(ax, mine, x, color, name, dashed=dashed)
            lo, hi = SCALES[ix]
            ax.set_ylim(lo, hi)
            ax.set_yticks(np.linspace(lo, hi, 5))  # fixed ticks: no locator search per draw
            ax.set_title(str(part["label"].iloc[0]))
            bottom = k + cols >= len(indices)  # no panel below: this one carries the quarters
            ax.set_xticks(x, quarters if bottom else [], rotation=45, ha="right", fontsize=8)
            ax.grid(axis="y", alpha=0.3)
        handles, labels = [], []
        for ax in axes.flat:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        if handles:
            fig.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
        if title:
            fig.suptitle(title, x=0.02, ha="left")
        fig.subplots_adjust(
            left=0.07,
            right=0.98,
            bottom=0.16 / rows,
            top=1 - 0.3 / rows / 1.5,
            hspace=0.75,
            wspace=0.25,
        )
    return fig


def heatmap_figure(data: pd.DataFrame, *, title: str = "") -> Figure:
    """Units x indices: difference from the organisation, withheld cells hatched and labelled.

    Colour is the difference as a share of the index's scale range (so a 1-5
    mean and a net promoter score share one colour scale); the number in each
    cell is the difference in the index's own units.

    Parameters
    ----------
    data : DataFrame
        ``unit, index, label, difference, suppressed`` (see
        :func:`satisfaction.report.heatmap_data`).
    title : str
        Figure title (drawn literally).

    Returns
    -------
    Figure
    """
    indices = [ix for ix in SCALES if data["index"].eq(ix).any()]
    labels = [str(data.loc[data["index"] == ix, "label"].iloc[0]) for ix in indices]
    units = sorted(data["unit"].astype(str).unique())
    diff = data.pivot_table(
        index="unit", columns="index", values="difference", aggfunc="first", dropna=False
    ).reindex(index=units, columns=indices)
    withheld = data.pivot_table(
        index="unit", columns="index", values="suppressed", aggfunc="first", dropna=False
    ).reindex(index=units, columns=indices)
    withheld = withheld.fillna(True).astype(bool)
    span = np.array([SCALES[ix][1] - SCALES[ix][0] for ix in indices], dtype=float)
    share = diff.to_numpy(dtype=float) / span
    with safe_text():
        height = max(3.0, 0.28 * len(units) + 1.6)
        fig, ax = plt.subplots(figsize=(8.5, height))
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-0.25, vmax=0.25)
        image = ax.imshow(
            np.ma.masked_invalid(np.clip(share, -0.25, 0.25)), cmap="PuOr", norm=norm, aspect="auto"
        )
        for (r, c), hidden in np.ndenumerate(withheld.to_numpy()):
            value = diff.iat[r, c]
            if not hidden and value != value:  # the unit is shown, the organisation is not
                ax.text(
                    c, r, "no org. figure", ha="center", va="center", fontsize=6, color="#555555"
                )
            elif hidden:
                ax.add_patch(
                    plt.Rectangle(
                        (c - 0.5, r - 0.5),
                        1,
                        1,
                        facecolor="#eeeeee",
                        edgecolor="#999999",
                        hatch="///",
                        linewidth=0,
                    )
                )
                ax.text(c, r, "withheld", ha="center", va="center", fontsize=7, color="#555555")
            else:
                digits = 0 if indices[c] in ("enps", "nps") else 2
                ax.text(c, r, f"{value:+.{digits}f}", ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(indices)), labels, rotation=30, ha="right")
        ax.set_yticks(range(len(units)), units, fontsize=8)
        bar = fig.colorbar(image, ax=ax, shrink=0.6)
        bar.set_label("difference from the organisation\n(share of the scale's range)")
        if title:
            ax.set_title(title)
        fig.subplots_adjust(left=0.33, right=0.97, bottom=1.3 / height, top=1 - 0.4 / height)
    return fig


def path_figure(paths: pd.DataFrame, *, title: str = "") -> Figure:
    """The chain LQ -> EX -> REP -> CSAT as a path diagram, each arrow with its estimate and CI.

    Parameters
    ----------
    paths : DataFrame
        :func:`satisfaction.claims.chain`'s table (rows ``a`` LQ -> EX, ``b`` EX -> REP,
        ``c`` REP -> CSAT and, under partial mediation, ``d`` EX -> CSAT, with ``estimate,
        ci_lower, ci_upper``; ``ind_ex_csat`` and ``ind_lq_csat`` are written under the
        diagram when present, and ``n`` in its caption).
    title : str
        Drawn literally (mathtext off).

    Returns
    -------
    matplotlib.figure.Figure
        Solid arrows where the interval excludes 0, dashed where it does not.

    Examples
    --------
    >>> paths = pd.DataFrame({"label": ["a", "b", "c", "d"], "estimate": [0.5, 0.4, 0.6, 0.1],
    ...                       "ci_lower": [0.3, 0.2, 0.4, -0.1], "ci_upper": [0.7, 0.6, 0.8, 0.3]})
    >>> fig = path_figure(paths, title="The chain, $ and all")
    >>> sum("Reputation" == t.get_text() for t in fig.axes[0].texts)
    1
    >>> plt.close(fig)
    """
    rows = paths.set_index("label")
    names = ["Leadership\nquality", "Employee\nexperience", "Reputation", "Customer\nsatisfaction"]
    xs = [0.08, 0.36, 0.64, 0.92]
    y = 0.55
    with safe_text():
        fig, ax = plt.subplots(figsize=(8.0, 3.2))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        for x, name in zip(xs, names, strict=True):
            ax.text(x, y, name, ha="center", va="center", fontsize=10,
                    bbox={"boxstyle": "round,pad=0.5", "fc": "#F2F2F2", "ec": PALETTE[0]})  # fmt: skip

        def label(key: str) -> tuple[str, str]:
            r = rows.loc[key]
            solid = bool(r["ci_lower"] > 0 or r["ci_upper"] < 0)
            return f"{r['estimate']:.2f}\n[{r['ci_lower']:.2f}, {r['ci_upper']:.2f}]", (
                "-" if solid else "--"
            )

        for key, (i, j) in {"a": (0, 1), "b": (1, 2), "c": (2, 3)}.items():
            if key not in rows.index:
                continue
            text, style = label(key)
            ax.annotate("", xy=(xs[j] - 0.085, y), xytext=(xs[i] + 0.085, y),
                        arrowprops={"arrowstyle": "-|>", "lw": 1.6, "ls": style,
                                    "color": PALETTE[0]})  # fmt: skip
            ax.text((xs[i] + xs[j]) / 2, y + 0.1, text, ha="center", va="bottom", fontsize=9)
        if "d" in rows.index:
            text, style = label("d")
            ax.annotate("", xy=(xs[3], y - 0.13), xytext=(xs[1], y - 0.13),
                        arrowprops={"arrowstyle": "-|>", "lw": 1.2, "ls": style,
                                    "color": PALETTE[1], "connectionstyle": "arc3,rad=0.25"})  # fmt: skip
            ax.text((xs[1] + xs[3]) / 2, y - 0.42, "direct EX -> CSAT: " + text.replace("\n", " "),
                    ha="center", va="center", fontsize=9, color=PALETTE[5])  # fmt: skip
        notes = []
        for key, what in (("ind_ex_csat", "indirect EX -> REP -> CSAT"),
                          ("ind_lq_csat", "indirect LQ -> ... -> CSAT")):  # fmt: skip
            if key in rows.index:
                r = rows.loc[key]
                notes.append(
                    f"{what}: {r['estimate']:.2f} [{r['ci_lower']:.2f}, {r['ci_upper']:.2f}]"
                )
        if "n" in rows.columns and len(rows):
            notes.append(f"n = {int(rows['n'].iloc[0])}")
        if notes:
            ax.text(0.5, 0.02, ";  ".join(notes), ha="center", va="bottom", fontsize=8.5)
        if title:
            ax.set_title(str(title))
    return fig


def figure_png(fig: Figure, *, dpi: int = 96) -> bytes:
    """The figure as PNG bytes, drawn once (no tight bounding box pass), then closed.

    >>> fig, ax = plt.subplots()
    >>> figure_png(fig)[:4]
    b'\\x89PNG'
    """
    import io

    buffer = io.BytesIO()
    with safe_text():
        fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
