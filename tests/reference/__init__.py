"""lavaan reference data and results for the SEM parity tests (see README.md).

A package so that ``make_data.py`` here and in ``scales/`` import under distinct names.
"""
