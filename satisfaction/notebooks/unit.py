# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (satisfaction)
#     language: python
#     name: satisfaction
# ---

# %% tags=["parameters"]
quarter = "2026Q4"
unit = "Payroll Services"
unit_id = ""
slug = "unit-payroll-services-14b2a8b215"
artefacts = "../../reports/2026Q4/data"
min_group_size = 5
data_fingerprint = "unknown"
shown = True

# %%
from IPython.display import display

import satisfaction as sat
from satisfaction import plots
from satisfaction.report import pages, read_artefact

if not shown:
    display(pages.below_threshold(unit, quarter, min_group_size))
else:
    page = sat.guard(read_artefact(artefacts, slug))
    wide = pages.summary_wide(page)
    display(pages.heading(f"{unit}: employee and customer experience, {quarter}", 1))
    display(pages.heading("This quarter, beside the organisation"))
    display(pages.comparison_table(wide))
    display(pages.unit_sentences(wide, unit))

# %%
if shown:
    display(pages.heading("Trends, with 95% confidence bands"))
    display(
        pages.paragraph(
            "Solid: this unit; dashed: the organisation. A gap is a quarter in which the "
            "unit's figures could not be shown."
        )
    )
    figure = plots.comparison_figure(page[page["part"] == "trend"], unit_label=unit)
    display(pages.figure(figure, alt=f"Trends of {unit} beside the organisation, with 95% bands"))

# %%
if shown:
    display(pages.heading("How this report was made"))
    display(
        pages.methods(
            {
                "package": f"satisfaction {sat.__version__}",
                "unit": unit,
                "unit id": unit_id,
                "quarter": quarter,
                "anonymity threshold": min_group_size,
                "data fingerprint (SHA-256 of the raw exports)": data_fingerprint,
            }
        )
    )
