"""Safe output helpers, the report notebooks as package data, and figures with hostile text."""

from __future__ import annotations

from pathlib import Path

import jupytext
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from satisfaction import plots
from satisfaction.report import pages, report_notebook
from satisfaction.report.safety import (
    NO_NAME,
    SLUG_MAX,
    markdown_text,
    slugify,
    spreadsheet_cell,
    unit_label,
    unit_slug,
)

NOTEBOOKS = [report_notebook("organisation"), report_notebook("unit")]


@pytest.mark.parametrize(
    "value, label",
    [
        (101, "101"),
        (101.0, "101"),
        ("A-7", "A-7"),
        (None, NO_NAME),
        (float("nan"), NO_NAME),
        ("   ", NO_NAME),
        (" X ", "X"),
    ],
)
def test_unit_labels_of_any_type(value, label):
    assert unit_label(value) == label


def test_slugs_are_unique_stable_and_bounded():
    names = ["R&D", "R-D", "r d", "R&D ", "Ääni", "Aani", "", "x" * 500, "<script>", "../../etc"]
    slugs = [unit_slug(unit_label(n)) for n in names]
    assert len(set(slugs)) == len(set(unit_label(n) for n in names))
    assert unit_slug("R&D") == unit_slug("R&D")  # same name, same file every quarter
    for slug in slugs:
        assert len(slug) <= 5 + SLUG_MAX + 11
        assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert slugify("x" * 500) == "x" * SLUG_MAX


def test_markdown_text_is_literal():
    text = markdown_text("[link](http://x) *b* <i>t</i> $x$ # h | c")
    for raw in ("<i>", "[link](", "*b*"):
        assert raw not in text
    assert "\\$x\\$" in text


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_cell(cell).startswith("'")


def test_pages_escape_everything_from_data():
    frame = pd.DataFrame({"unit": ["<img src=x onerror=alert(1)>"], "n": [12], "EX": [3.5]})
    out = pages.table(frame, {"unit": "Unit", "n": "n", "EX": "EX"}, {"n": 0})
    assert "<img" not in out and "&lt;img" in out
    assert "<script" not in pages.below_threshold("<script>x</script>", "2026Q1", 5)
    assert "<b>" not in pages.heading("<b>x</b>")


def test_figures_draw_dollar_signs_literally():
    """Mathtext off: an unbalanced or paired $ in a unit name neither fails nor becomes maths."""
    quarters = ["2026Q1", "2026Q2"]
    rows = []
    for who in ("unit", "organisation"):
        for ix, label in (("EX", "Employee experience"), ("nps", "NPS")):
            rows += [
                {
                    "who": who,
                    "quarter": q,
                    "index": ix,
                    "label": label,
                    "value": v,
                    "ci_lower": v - 0.1,
                    "ci_upper": v + 0.1,
                }
                for q, v in zip(quarters, (3, 4), strict=False)
            ]
    frame = pd.DataFrame(rows)
    fig = plots.comparison_figure(frame, unit_label="Sales $ and $ marketing $", title="a $x^2$")
    texts = [t.get_text() for t in fig.findobj(plt.Text)]
    assert "Sales $ and $ marketing $" in texts
    assert all(not t._parse_math for t in fig.findobj(plt.Text) if "$" in t.get_text())
    assert plots.figure_png(fig)[:4] == b"\x89PNG"
    heat = pd.DataFrame(
        {
            "unit": ["$a$", "b"],
            "index": ["EX", "EX"],
            "label": "EX",
            "difference": [0.2, None],
            "suppressed": [False, True],
        }
    )
    assert plots.figure_png(plots.heatmap_figure(heat))[:4] == b"\x89PNG"


def test_trend_axes_start_at_the_scale_floor():
    frame = pd.DataFrame(
        {
            "quarter": ["2026Q1", "2026Q2"] * 2,
            "index": ["EX"] * 2 + ["nps"] * 2,
            "label": ["EX"] * 2 + ["NPS"] * 2,
            "value": [3.4, 3.5, 10, 12],
            "ci_lower": [3.3, 3.4, 5, 7],
            "ci_upper": [3.5, 3.6, 15, 17],
        }
    )
    fig = plots.trend_figure(frame)
    assert [ax.get_ylim() for ax in fig.axes] == [(1.0, 5.0), (-100.0, 100.0)]
    plt.close(fig)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_report_notebook_is_stripped_paired_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: strip outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    script = Path(path).with_suffix(".py")
    assert [c.source for c in jupytext.read(script).cells] == [c.source for c in nb.cells], (
        f"{path.name} and its .py differ: run jupytext --sync"
    )
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert sum(len(s.splitlines()) for s in code) < 80, "a report notebook only tells"
