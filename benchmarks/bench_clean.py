"""Benchmark: read + clean + score a large Finnish pulse export, against a plain pyarrow read.

Generates (in a temporary folder, deleted afterwards) a ``;``-separated cp1252
CSV of N responses x 20 Likert items with Finnish text labels and the usual
mess (3 % don't-know, 2 % skipped, 1 % duplicate submissions, 2 % speeders,
2 % straight-liners, 0.5 % odd case/whitespace variants), then times, each in
a fresh subprocess:

* baseline: ``pandas.read_csv(path, sep=";", encoding="cp1252", engine="pyarrow")``;
* ours: ``read_export`` + ``clean`` + ``scales.score`` (mean of the answered
  items per construct).

Peak memory is the subprocess's peak resident set size, ``VmHWM`` from
``/proc/self/status`` (falling back to ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
off Linux; tracemalloc misses pyarrow's allocations and slows pandas down). It
includes the interpreter and imports, which are also reported so they can be
subtracted. The file is generated in a subprocess too, so no measurement
inherits the generator's memory.

Targets: time ratio ours / baseline <= 2; peak memory <= 4 x the cleaned frame.

Measured on the 2-core development machine (15:03 UTC, load average ~2 from other
work), 1,000,000 rows, 472 MB: baseline 3.55 s; read_export 2.44 s + clean 2.48 s +
score 0.39 s = 5.32 s, ratio 1.50; peak RSS 753 MB = 3.31 x the cleaned frame
(228 MB), 2.58 x without the 166 MB of imports.

Usage::

    python benchmarks/bench_clean.py            # 1,000,000 rows
    python benchmarks/bench_clean.py --rows 100000
"""

from __future__ import annotations

import argparse
import codecs
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N_ITEMS = 20
REVERSED = ("q5", "q10")

UNITS = [
    "Hälytyskeskus",
    "Asiakaspalvelu",
    "Talous ja hallinto",
    "Käyttöpalvelut",
    "Tietoturva",
    "Sovelluskehitys",
    "Henkilöstöpalvelut",
    "Hankinnat",
    "Viestintä",
    "Pääkäyttäjät",
    "Tukipalvelut Åbo",
    "Verkkopalvelut",
    "Lähitukipalvelut",
    "Integraatiot",
    "Työasemapalvelut",
]


def bench_instrument():
    """A small instrument: 4 constructs x 5 generic Likert items q1..q20 (q5, q10 reverse-keyed)."""
    from satisfaction.instruments import Construct, Instrument, Item

    constructs = []
    for c in range(4):
        items = tuple(
            Item(
                f"q{5 * c + j}",
                f"Item {5 * c + j}",
                f"Väittämä {5 * c + j}",
                reverse=f"q{5 * c + j}" in REVERSED,
            )
            for j in range(1, 6)
        )
        constructs.append(Construct(f"C{c + 1}", f"Construct {c + 1}", items))
    return Instrument("bench", tuple(constructs))


def generate(path: Path, n: int, seed: int = 20260101) -> dict:
    """Write the benchmark CSV (cp1252, ';'); return the mess counts built in."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from satisfaction.instruments import LIKERT_LABELS

    rng = np.random.default_rng(seed)
    n_dup = n // 100
    n_first = n - n_dup
    person = rng.normal(size=(n, 1)) * 0.8
    z = person + rng.normal(size=(n, N_ITEMS))
    codes = np.digitize(z, [-1.5, -0.5, 0.5, 1.5]).astype(np.int8) + 1  # 1..5
    straight = rng.random(n) < 0.02
    codes[straight] = rng.integers(1, 6, size=(int(straight.sum()), 1))
    mess = rng.random((n, N_ITEMS))
    codes[mess < 0.03] = 6  # don't know
    codes[(mess >= 0.03) & (mess < 0.05)] = 0  # skipped
    variant = (mess >= 0.05) & (mess < 0.055) & (codes >= 1) & (codes <= 5)
    codes[variant] += 6  # 7..11: odd spelling of 1..5
    fi = LIKERT_LABELS["fi"]
    labels = [None] + [fi[v] for v in range(1, 6)] + ["En osaa sanoa"]
    labels += [f"  {fi[v].upper()} " if v % 2 else fi[v].lower() + "." for v in range(1, 6)]
    dictionary = pa.array(labels[1:], type=pa.string())
    ids = np.arange(n)
    ids[n_first:] = rng.integers(0, n_first, size=n_dup)  # duplicate submissions
    month = rng.integers(1, 13, size=n)
    month[n_first:] = month[ids[n_first:]]
    seconds = rng.integers(0, 20 * 86400, size=n)
    seconds[n_first:] = seconds[ids[n_first:]] + rng.integers(60, 86400, size=n_dup)  # later
    stamps = np.array([f"2026-{m:02d}-01" for m in range(1, 13)], dtype="datetime64[s]")[
        month - 1
    ] + seconds.astype("timedelta64[s]")
    duration = np.round(np.exp(rng.normal(np.log(180), 0.35, size=n))).astype(np.int64)
    speeders = rng.random(n) < 0.02
    duration[speeders] = rng.integers(5, 30, size=int(speeders.sum()))
    columns = {
        "respondent_id": pa.array(np.char.add("E", np.char.zfill(ids.astype(str), 7))),
        "unit": pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, len(UNITS), size=n).astype(np.int32)), pa.array(UNITS)
        ).cast(pa.string()),
        "period": pa.array(np.char.add("2026-", np.char.zfill(month.astype(str), 2))),
        "submitted_at": pa.array(np.datetime_as_string(stamps, unit="s")).cast(pa.string()),
        "duration_s": pa.array(duration),
    }
    for j in range(N_ITEMS):
        col = codes[:, j].astype(np.int32)
        idx = pa.array(col - 1, mask=col == 0)
        columns[f"q{j + 1}"] = pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())
    table = pa.table(columns)
    table = table.set_column(
        3, "submitted_at", pa.compute.replace_substring(table["submitted_at"], "T", " ")
    )
    utf8 = path.with_suffix(".utf8.csv")
    pacsv.write_csv(
        table, utf8, write_options=pacsv.WriteOptions(delimiter=";", quoting_style="none")
    )
    del table, columns
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(utf8, "rb") as src, open(path, "wb") as dst:
        while chunk := src.read(64 << 20):
            dst.write(decoder.decode(chunk).encode("cp1252"))
        dst.write(decoder.decode(b"", final=True).encode("cp1252"))
    utf8.unlink()
    return {
        "rows": n,
        "duplicates": n_dup,
        "dont_know": int((codes == 6).sum()),
        "skipped": int((codes == 0).sum()),
        "speeders": int(speeders.sum()),
        "straight_liners": int(straight.sum()),
    }


PEAK = """
import resource

def peak_mb():
    try:  # the process's own high-water mark (Linux): not inherited from the parent at fork
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

BASELINE = (
    PEAK
    + """
import json, sys, time
import pandas as pd
t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1], sep=";", encoding="cp1252", engine="pyarrow")
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "rows": len(df),
                  "frame_mb": df.memory_usage(deep=True).sum() / 2**20,
                  "maxrss_mb": peak_mb()}))
"""
)

OURS = (
    PEAK
    + """
import json, sys, time
sys.path.insert(0, sys.argv[2])
import pandas as pd
import satisfaction as sat
from bench_clean import bench_instrument
inst = bench_instrument()
import_mb = peak_mb()
t0 = time.perf_counter()
ex = sat.read_export(sys.argv[1], inst)
t1 = time.perf_counter()
cleaned = sat.clean(ex.data, inst, careless="flag", careless_methods=("longstring", "irv", "speed"))
t2 = time.perf_counter()
try:
    from satisfaction.scales import score
    scores = score(cleaned.data, inst)
    how = "satisfaction.scales.score"
except ImportError:
    items = [[i.id for i in c.items] for c in inst.constructs]
    scores = pd.DataFrame({c.name: cleaned.data[list(ids)].mean(axis=1)
                           for c, ids in zip(inst.constructs, items)})
    how = "inline row means (satisfaction.scales.score not available)"
t3 = time.perf_counter()
counts = cleaned.summary.groupby("rule")["n"].sum().to_dict()
print(json.dumps({"read": t1 - t0, "clean": t2 - t1, "score": t3 - t2, "seconds": t3 - t0,
                  "rows_out": cleaned.n_out, "log_rows": len(cleaned.log), "score_how": how,
                  "frame_mb": cleaned.data.memory_usage(deep=True).sum() / 2**20,
                  "log_mb": cleaned.log.memory_usage(deep=True).sum() / 2**20,
                  "import_mb": import_mb, "counts": counts, "encoding": ex.report.encoding,
                  "sep": ex.report.sep,
                  "maxrss_mb": peak_mb()}))
"""
)


GENERATE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from bench_clean import generate
print(json.dumps(generate(Path(sys.argv[1]), int(sys.argv[2]))))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each (best is kept)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench_clean_") as tmp:
        path = Path(tmp) / "pulse_big.csv"
        t0 = time.perf_counter()
        truth = _run(GENERATE, str(path), str(args.rows), str(Path(__file__).resolve().parent))
        size_mb = path.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows x {N_ITEMS} items, {size_mb:,.0f} MB cp1252 ';' CSV "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        base = min(
            (_run(BASELINE, str(path)) for _ in range(args.repeat)), key=lambda r: r["seconds"]
        )
        ours = min(
            (
                _run(OURS, str(path), str(Path(__file__).resolve().parent))
                for _ in range(args.repeat)
            ),
            key=lambda r: r["seconds"],
        )
    ratio = ours["seconds"] / base["seconds"]
    mem_ratio = ours["maxrss_mb"] / ours["frame_mb"]
    mem_ratio_net = (ours["maxrss_mb"] - ours["import_mb"]) / ours["frame_mb"]
    print()
    print(
        f"baseline pandas.read_csv(engine='pyarrow'): {base['seconds']:7.2f} s   "
        f"peak RSS {base['maxrss_mb']:,.0f} MB   frame {base['frame_mb']:,.0f} MB"
    )
    print(f"ours read_export                          : {ours['read']:7.2f} s")
    print(f"ours clean                                : {ours['clean']:7.2f} s")
    print(f"ours score ({ours['score_how']}): {ours['score']:.2f} s")
    print(
        f"ours total                                : {ours['seconds']:7.2f} s   "
        f"peak RSS {ours['maxrss_mb']:,.0f} MB (imports {ours['import_mb']:,.0f} MB)"
    )
    print(
        f"cleaned frame {ours['frame_mb']:,.0f} MB ({ours['rows_out']:,} rows); "
        f"log {ours['log_rows']:,} rows, {ours['log_mb']:,.0f} MB"
    )
    print()
    print(
        f"time ratio ours / baseline   : {ratio:5.2f}   (target <= 2)  "
        f"{'OK' if ratio <= 2 else 'MISSED'}"
    )
    print(
        f"peak RSS / cleaned frame     : {mem_ratio:5.2f}   (target <= 4)  "
        f"{'OK' if mem_ratio <= 4 else 'MISSED'}  "
        f"[{mem_ratio_net:.2f} without the imports]"
    )
    print()
    print("mess built in :", json.dumps(truth))
    print("mess detected :", json.dumps(ours["counts"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
