"""Raw exports of the synthetic organisation, written the way real ones arrive (with mess).

Files (the fixed contract, see ``data/README.md``):

- ``pulse.csv``: Finnish Excel CSV (``;``, cp1252, CRLF), Finnish Likert labels;
- ``customers.xlsx``: sheet ``responses``, English or Swedish labels per ``language``;
- ``hr_events.csv`` and ``units.csv``: UTF-8 with BOM, ``;``;
- ``manifest.json``: seed, version, parameters, mess rates and counts, sha256 of
  every file and the true effects; written last.

Mess, drawn independently per response (rates in :data:`MESS_RATES`, the same for the
pulse and the customer survey):

- speeders (2% of responses): ``duration_s`` of 8-40 s (genuine answers take at least
  45 s in the pulse, 40 s in the customer survey) and uniformly random answers;
- straight-liners (2%, not speeders): the same label for every Likert item
  (pulse: ``lq1..lq4, ex1..ex5, stay``; customers: ``rep1..rep5, csat1..csat3``);
- duplicate submissions (1%): the same respondent and period submitted again 2 minutes
  to 4 hours later, half of them with one to three answers moved by one step;
- don't-know (3% of Likert cells outside straight-lined rows): ``En osaa sanoa`` /
  ``Don't know`` / ``Kan inte säga``;
- skipped (2% of Likert cells outside straight-lined rows, and 2% of eNPS/NPS cells): empty;
- label variants (0.5% of the remaining labelled cells outside straight-lined rows):
  odd case or whitespace (``täysin samaa mieltä ``, ``  Agree``, ``DISAGREE``,
  ``Delvis av  samma åsikt``), which :func:`satisfaction.normalise_label` folds back.

``hr_events.csv`` and ``units.csv`` carry no mess.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..instruments import DONT_KNOW_LABELS, LIKERT_LABELS
from .population import Organisation

__all__ = ["write_exports", "raw_exports", "MESS_RATES", "EXPORT_FILES"]

#: Rates of each kind of mess in the raw exports (see the module docstring).
MESS_RATES: dict[str, float] = {
    "speeder": 0.02,
    "straight_liner": 0.02,
    "duplicate": 0.01,
    "dont_know": 0.03,
    "skipped": 0.02,
    "label_variant": 0.005,
}

#: The files :func:`write_exports` writes, in order (the manifest last).
EXPORT_FILES = ("pulse.csv", "customers.xlsx", "hr_events.csv", "units.csv", "manifest.json")

_PULSE_LIKERT = ("lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5", "stay")
_CUSTOMER_LIKERT = ("rep1", "rep2", "rep3", "rep4", "rep5", "csat1", "csat2", "csat3")
_FIXED_TIME = _dt.datetime(2025, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _variant(label: str, kind: int) -> str:
    if kind == 0:
        return label.lower() + " "
    if kind == 1:
        return "  " + label
    if kind == 2:
        return label.upper()
    return label.replace(" ", "  ", 1) if " " in label else label + "  "


def _mess(
    clean: pd.DataFrame,
    likert: tuple[str, ...],
    score: str,
    lang: np.ndarray,
    min_duration: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add careless responding, duplicates, don't-knows, skips and label variants.

    Returns the raw frame (labels as text, empty cells as ``""``) and counts per mess kind.
    """
    r = MESS_RATES
    df = clean.reset_index(drop=True).copy()
    df["_lang"] = lang
    n = len(df)
    values = np.array(df[list(likert)].to_numpy(dtype="int64"))
    scores = np.array(df[score].to_numpy(dtype="int64"))
    dur = np.array(df["duration_s"].to_numpy(dtype="int64"))
    u = rng.random(n)
    speeder = u < r["speeder"]
    straight = (u >= r["speeder"]) & (u < r["speeder"] + r["straight_liner"])
    values[speeder] = rng.integers(1, 6, size=(speeder.sum(), len(likert)))
    scores[speeder] = rng.integers(0, 11, size=speeder.sum())
    dur[speeder] = rng.integers(8, 41, size=speeder.sum())
    values[straight] = rng.choice([2, 3, 4, 5], p=[0.1, 0.3, 0.4, 0.2], size=straight.sum())[
        :, None
    ]
    dur[straight] = np.maximum(min_duration, (dur[straight] * 0.6).astype("int64"))
    df[list(likert)] = values
    df[score] = scores
    df["duration_s"] = dur
    df["_straight"] = straight

    dup = rng.random(n) < r["duplicate"]
    copies = df.loc[dup].copy()
    delay = rng.integers(120, 4 * 3600, size=len(copies)).astype("timedelta64[s]")
    copies["submitted_at"] = copies["submitted_at"].to_numpy() + delay
    copies["duration_s"] = np.maximum(
        min_duration, np.rint(rng.lognormal(np.log(150), 0.4, len(copies)))
    ).astype("int64")
    cv = np.array(copies[list(likert)].to_numpy(dtype="int64"))
    change = (rng.random(len(copies)) < 0.5) & ~copies["_straight"].to_numpy()
    for i in np.flatnonzero(change):
        cols = rng.choice(len(likert), size=rng.integers(1, 4), replace=False)
        cv[i, cols] = np.clip(cv[i, cols] + rng.choice([-1, 1], size=len(cols)), 1, 5)
    copies[list(likert)] = cv
    df = pd.concat([df, copies], ignore_index=True)
    m = len(df)

    labels = {
        lang_: np.asarray([""] + [LIKERT_LABELS[lang_][v] for v in range(1, 6)], dtype=object)
        for lang_ in ("fi", "sv", "en")
    }
    dk = {lang_: DONT_KNOW_LABELS[lang_][0] for lang_ in ("fi", "sv", "en")}
    vals = df[list(likert)].to_numpy(dtype="int64")
    langs = df["_lang"].to_numpy()
    text = np.empty(vals.shape, dtype=object)
    for lang_ in np.unique(langs):
        rows = langs == lang_
        text[rows] = labels[lang_][vals[rows]]
    eligible = ~df["_straight"].to_numpy()[:, None] & np.ones(vals.shape, dtype=bool)
    cell = rng.random(vals.shape)
    is_dk = eligible & (cell < r["dont_know"])
    is_skip = eligible & (cell >= r["dont_know"]) & (cell < r["dont_know"] + r["skipped"])
    for lang_ in np.unique(langs):
        rows = (langs == lang_)[:, None]
        text[is_dk & rows] = dk[lang_]
    text[is_skip] = ""
    var_u = rng.random(vals.shape)
    kinds = rng.integers(0, 4, size=vals.shape)
    is_var = eligible & ~is_dk & ~is_skip & (var_u < r["label_variant"])
    for i, j in zip(*np.nonzero(is_var), strict=True):
        text[i, j] = _variant(text[i, j], int(kinds[i, j]))
    score_skip = rng.random(m) < r["skipped"]
    score_txt = df[score].astype("int64").astype(str).to_numpy(dtype=object)
    score_txt[score_skip] = ""
    for j, col in enumerate(likert):
        df[col] = text[:, j]
    df[score] = score_txt
    df = df.sort_values(["submitted_at", "respondent_id"], kind="stable", ignore_index=True)
    counts = {
        "responses_clean": int(n),
        "responses_raw": int(m),
        "speeder": int(speeder.sum()),
        "straight_liner": int(straight.sum()),
        "duplicate": int(dup.sum()),
        "dont_know_cells": int(is_dk.sum()),
        "skipped_cells": int(is_skip.sum()),
        "skipped_score_cells": int(score_skip.sum()),
        "label_variant_cells": int(is_var.sum()),
        "likert_cells": int(vals.size),
    }
    return df.drop(columns=["_lang", "_straight"]), counts


def raw_exports(org: Organisation) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]]]:
    """The raw export tables of an organisation as text frames, before writing.

    Parameters
    ----------
    org : Organisation
        From :func:`satisfaction.organisation`.

    Returns
    -------
    frames : dict of DataFrame
        ``pulse``, ``customers``, ``hr_events``, ``units`` exactly as written (cells as text,
        except the customers' ``submitted_at`` (datetime), ``duration_s`` and ``nps``).
    counts : dict
        Per survey, how many responses/cells got each kind of mess.

    Examples
    --------
    >>> import satisfaction as sat
    >>> frames, counts = raw_exports(sat.load_sample())
    >>> list(frames["pulse"].columns[:6])
    ['respondent_id', 'unit', 'period', 'submitted_at', 'duration_s', 'lq1']
    """
    rng = np.random.default_rng([org.seed, 101])
    pulse_clean = org.pulse
    pulse, c_pulse = _mess(
        pulse_clean, _PULSE_LIKERT, "enps", np.full(len(pulse_clean), "fi", dtype=object), 45, rng
    )
    pulse["submitted_at"] = pulse["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    pulse["duration_s"] = pulse["duration_s"].astype("int64").astype(str)
    pulse = pulse[
        [
            "respondent_id",
            "unit",
            "period",
            "submitted_at",
            "duration_s",
            *_PULSE_LIKERT[:-1],
            "enps",
            "stay",
        ]
    ]

    rng_c = np.random.default_rng([org.seed, 102])
    cust_clean = org.customers
    customers, c_cust = _mess(
        cust_clean,
        _CUSTOMER_LIKERT,
        "nps",
        cust_clean["language"].to_numpy(dtype=object),
        40,
        rng_c,
    )
    customers = customers[
        [
            "respondent_id",
            "unit",
            "period",
            "submitted_at",
            "duration_s",
            "language",
            *_CUSTOMER_LIKERT,
            "nps",
        ]
    ]

    hr = org.hr_events.copy()
    hr["date"] = hr["date"].dt.strftime("%Y-%m-%d")
    units = org.units.copy()
    units["headcount_start"] = units["headcount_start"].astype("int64").astype(str)
    units["reform_month"] = units["reform_month"].fillna("").astype(str)
    frames = {"pulse": pulse, "customers": customers, "hr_events": hr, "units": units}
    return frames, {"pulse": c_pulse, "customers": c_cust}


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    data = text.to_csv(sep=";", index=False, lineterminator="\r\n")
    path.write_bytes(data.encode(encoding))


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("responses")
    ws.append(list(frame.columns))
    cols = []
    for c in frame.columns:
        s = frame[c]
        if c == "submitted_at":
            cols.append([x.to_pydatetime() for x in s])
        elif c in ("duration_s",):
            cols.append([int(x) for x in s])
        elif c == "nps":
            cols.append([int(x) if x != "" else None for x in s])
        else:
            cols.append([x if x != "" else None for x in s])
    for row in zip(*cols, strict=True):
        ws.append(list(row))
    wb.properties.creator = "satisfaction.simulate"
    wb.properties.created = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time into docProps/core.xml and the zip entries: fix both.
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_exports(org: Organisation, out_dir: str | Path) -> dict[str, Path]:
    """Write the organisation's raw exports (with documented mess) and a manifest.

    Parameters
    ----------
    org : Organisation
        From :func:`satisfaction.organisation`.
    out_dir : str or Path
        Folder to write into (created if missing); existing files of the same names
        are overwritten.

    Returns
    -------
    dict
        File name -> path, in the order written (``manifest.json`` last).

    Notes
    -----
    The bytes depend only on the organisation (and so on its seed): the XLSX file's
    properties and zip timestamps are fixed to 2025-01-01. The manifest holds the
    seed, the package version, the generator parameters, :data:`MESS_RATES`, the
    realised mess counts, each file's sha256 and the true effects (``org.truth``).

    Examples
    --------
    >>> import tempfile, satisfaction as sat
    >>> small = sat.organisation(seed=1, n_employees=200, n_units=10, months=6)
    >>> paths = write_exports(small, tempfile.mkdtemp())
    >>> list(paths)
    ['pulse.csv', 'customers.xlsx', 'hr_events.csv', 'units.csv', 'manifest.json']
    """
    from .. import __version__

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames, counts = raw_exports(org)
    paths = {name: out / name for name in EXPORT_FILES}
    _write_csv(frames["pulse"], paths["pulse.csv"], "cp1252")
    _write_xlsx(frames["customers"], paths["customers.xlsx"])
    _write_csv(frames["hr_events"], paths["hr_events.csv"], "utf-8-sig")
    _write_csv(frames["units"], paths["units.csv"], "utf-8-sig")
    rows = {
        "pulse.csv": len(frames["pulse"]),
        "customers.xlsx": len(frames["customers"]),
        "hr_events.csv": len(frames["hr_events"]),
        "units.csv": len(frames["units"]),
    }
    manifest: dict[str, Any] = {
        "generator": "satisfaction.simulate.organisation",
        "package_version": __version__,
        "seed": org.seed,
        "parameters": org.params,
        "mess_rates": MESS_RATES,
        "mess_counts": counts,
        "files": [
            {
                "name": name,
                "rows": rows[name],
                "bytes": paths[name].stat().st_size,
                "sha256": _sha256(paths[name]),
            }
            for name in EXPORT_FILES[:-1]
        ],
        "truth": [
            {"name": r.name, "value": float(r.value), "description": r.description}
            for r in org.truth.itertuples(index=False)
        ],
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    paths["manifest.json"].write_bytes(text.encode("utf-8"))
    return paths
