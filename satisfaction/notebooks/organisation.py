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
artefacts = "../../reports/2026Q4/data"
min_group_size = 5
data_fingerprint = "unknown"

# %%
from IPython.display import display

import satisfaction as sat
from satisfaction import plots
from satisfaction.report import load_run, pages, read_artefact

run = load_run(artefacts)
display(pages.heading(f"Employee and customer experience, {quarter}", 1))
display(
    pages.paragraph(
        f"Organisation-wide report. No group of fewer than {min_group_size} people is shown, "
        "nor any figure from which one could be worked out, in this report or together with "
        "last quarter's. Every figure comes with its 95% confidence interval (CI) and the "
        "number of people it describes (n)."
    )
)

# %% [markdown]
# ## The quarter at a glance
# Each index this quarter, against last quarter. A change is called real only
# when it is larger than the noise expected from sampling.

# %%
display(pages.headline_list(sat.guard(read_artefact(artefacts, "organisation-headline"))))

# %% [markdown]
# ## Trends
# Quarterly values with their 95% confidence bands. The axes run over the whole
# scale (1-5 for the means, -100 to 100 for the net promoter scores), so small
# wiggles look as small as they are. A gap is a quarter that could not be shown.

# %%
figure = plots.trend_figure(sat.guard(read_artefact(artefacts, "organisation-trend")))
display(pages.figure(figure, alt="The organisation's indices by quarter, with 95% bands"))

# %% [markdown]
# ## Units compared with the organisation
# Each cell is a unit's difference from the organisation this quarter (orange:
# below, purple: above). Hatched cells are withheld: too few people answered, or
# showing them would let someone work out a smaller group's answers.

# %%
figure = plots.heatmap_figure(sat.guard(read_artefact(artefacts, "organisation-heatmap")))
display(pages.figure(figure, alt="Each unit's difference from the organisation, per index"))

# %% [markdown]
# ## Units this quarter

# %%
units = read_artefact(artefacts, "organisation-units")
sat.guard(units, count_col="n_employees")
sat.guard(units, count_col="n_customers")
display(
    pages.table(
        units,
        {
            "unit": "Unit",
            "n_employees": "Employees (n)",
            "EX": "Employee experience",
            "enps": "eNPS",
            "LQ": "Leadership quality",
            "n_customers": "Customers (n)",
            "REP": "Reputation",
            "CSAT": "Customer satisfaction",
            "nps": "NPS",
        },
        {"n_employees": 0, "n_customers": 0, "enps": 0, "nps": 0},
    )
)

# %% [markdown]
# ## How this report was made

# %%
meta = {k: v for k, v in run.items() if not isinstance(v, dict)}
meta |= {k: v for section in ("sample sizes", "suppression") for k, v in run[section].items()}
display(pages.methods(meta, read_artefact(artefacts, "reliability")))
