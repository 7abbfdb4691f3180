"""Write the Holzinger-Swineford (1939) data used by the scales reference to CSV.

Both programs read the same file: this script saves semopy's copy of the data, and
``make_reference.R`` reads it back to compute psych / lavaan reference values.

Run from the repository root: ``.venv/bin/python tests/reference/scales/make_data.py``
"""

from __future__ import annotations

from pathlib import Path

from semopy.examples import holzinger39

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    data = holzinger39.get_data()
    data.to_csv(HERE / "holzinger39.csv", index=False, float_format="%.17g")
    print(f"wrote {HERE / 'holzinger39.csv'}: {data.shape[0]} rows, {data.shape[1]} columns")
    # the same data with holes, to test listwise deletion: every 7th row misses one item
    holes = data.copy()
    items = [f"x{i}" for i in range(1, 10)]
    for r in range(0, len(holes), 7):
        holes.loc[holes.index[r], items[(r // 7) % 9]] = float("nan")
    holes.to_csv(HERE / "holzinger39_missing.csv", index=False, float_format="%.17g")
    print(f"wrote {HERE / 'holzinger39_missing.csv'}: {int(holes[items].isna().sum().sum())} holes")
