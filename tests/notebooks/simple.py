# %% [markdown]
# A tiny parameterised fixture notebook for the report runner's tests.

# %% tags=["parameters"]
quarter = "2000Q1"
unit = None

# %%
print(f"report for {quarter} / {unit}")
