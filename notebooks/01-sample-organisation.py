# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (satisfaction)
#     language: python
#     name: satisfaction
# ---

# %% [markdown]
# # 01 - The sample organisation, from raw exports to scale scores
#
# The synthetic organisation in `data/sample` is generated from a known population
# model (see `data/README.md`), so every analysis here can be checked against the truth.
# This notebook walks the flow: read the raw exports -> clean (with a log of every
# change) -> score the scales -> check their reliability.

# %% tags=["parameters"]
data_dir = "../data/sample"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

import satisfaction as sat

sns.set_theme(style="whitegrid")
inst = sat.default_instrument()
inst.to_frame()[["item", "construct", "source", "low", "high", "reverse", "text_en"]]

# %% [markdown]
# ## Read the employee pulse as it arrives (Finnish Excel CSV)

# %%
export = sat.read_export(Path(data_dir) / "pulse.csv", inst)
export.report

# %%
export.data.head()

# %% [markdown]
# ## Clean: labels to numbers, don't-knows, duplicates, careless responding
# Every dropped or changed value is in `cleaned.log`; rows in = rows out + rows dropped.

# %%
cleaned = sat.clean(export.data, inst, unknown_labels="missing")
cleaned.summary

# %%
cleaned.log.head()

# %% [markdown]
# ## Score the scales and check their reliability

# %%
scores = sat.score(cleaned.data, inst, constructs=["LQ", "EX"])
sat.reliability(cleaned.data, inst, constructs=["LQ", "EX"])

# %%
sat.item_analysis(cleaned.data, inst, constructs=["LQ", "EX"])

# %% [markdown]
# ## Unit sizes: why anonymity rules matter
# Several units have fewer than five people; reports never show them on their own.

# %%
org = sat.load_sample()
fig, ax = plt.subplots(figsize=(7, 3))
sns.histplot(org.units["headcount_start"], bins=20, ax=ax)
ax.set(xlabel="people in the unit at the start", ylabel="units")
plt.show()

# %% [markdown]
# ## The true effects built into the organisation

# %%
org.truth
