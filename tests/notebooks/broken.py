# %% tags=["parameters"]
quarter = "2000Q1"

# %%
x = 1

# %%
raise ValueError(f"no data for {quarter}")
