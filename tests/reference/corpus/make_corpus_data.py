"""Write the semopy example data sets of the convergence corpus to ``data/*.csv``.

Run from the repository root before ``make_corpus.R`` (which writes the R data sets itself)::

    python tests/reference/corpus/make_corpus_data.py
"""

from __future__ import annotations

from pathlib import Path

from semopy.examples import example_article, example_rf, multivariate_regression

DATA = Path(__file__).resolve().parent / "data"


def main() -> None:
    """Write semopy's article, random-effects and multivariate-regression data."""
    DATA.mkdir(exist_ok=True)
    frames = {
        "semopy_article.csv": example_article.get_data(),  # latent columns dropped
        "semopy_rf.csv": example_rf.get_data()[0].drop(columns="cluster"),
        "semopy_multivariate_regression.csv": multivariate_regression.get_data(),
    }
    for name, frame in frames.items():
        frame.to_csv(DATA / name, index=False, float_format="%.17g")
        print("wrote", DATA / name, frame.shape)


if __name__ == "__main__":
    main()
