# %% [markdown]
# Fixture: a notebook that reports whether a name from an earlier notebook survived.

# %% tags=["parameters"]
quarter = "2000Q1"

# %%
print(f"unit defined: {'unit' in globals()}")
