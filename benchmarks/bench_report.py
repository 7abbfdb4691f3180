"""Benchmark the quarterly run against a naive serial loop of papermill + nbconvert.

Part 1, the sample organisation (organisation + every unit page):

* **ours**: ``quarterly_report(n_jobs=2)`` end to end (read, clean, score, publish,
  artefacts, notebooks on warm kernels, offline HTML, index);
* **naive**: the same notebooks with the same parameters and artefacts, one
  ``papermill.execute_notebook`` (a new kernel each) and one new nbconvert
  ``HTMLExporter`` per notebook, serially, as the project did before.

Part 2, a large synthetic organisation (``satisfaction simulate --units 1000``):
preparation and publication once, then the unit pages serially (one warm kernel)
and on a Dask ``LocalCluster`` (2 workers), printed as seconds per unit report.

    python benchmarks/bench_report.py                 # everything (several minutes)
    python benchmarks/bench_report.py --naive 10      # naive loop timed on 10 notebooks,
                                                      # extrapolated (printed as such)
    python benchmarks/bench_report.py --large-sample 100 --skip-sample
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from satisfaction import config
from satisfaction.report import (
    ReportJob,
    kernel_name,
    prepare_report_data,
    published,
    quarterly_report,
    quiet_jupyter,
    report_notebook,
    run_reports,
    write_artefacts,
    write_unit_artefacts,
)


def cpu_seconds() -> float:
    """User + system CPU of this process and every descendant it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def naive_loop(jobs: list[ReportJob], folder: Path) -> float:
    """papermill + a new nbconvert exporter per notebook, serially; seconds."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for job in jobs:
        out = folder / job.output.name
        pm.execute_notebook(
            str(job.notebook),
            str(out),
            parameters=job.parameters,
            kernel_name=kernel_name(),
            progress_bar=False,
            cwd=str(folder),
        )
        exporter = HTMLExporter(exclude_input=True)
        body, _ = exporter.from_notebook_node(nbformat.read(out, as_version=4))
        out.with_suffix(".html").write_text(body, encoding="utf-8")
    return time.perf_counter() - start


def sample_part(work: Path, naive_n: int | None) -> None:
    print("== sample organisation (data/sample) ==")
    cpu = cpu_seconds()
    start = time.perf_counter()
    manifest = quarterly_report(
        out_dir=work / "ours", prepared_dir=work / "prep", n_jobs=2, progress=False
    )
    ours = time.perf_counter() - start
    ours_cpu = cpu_seconds() - cpu
    ok = int((manifest["status"] == "ok").sum())
    print(
        f"ours : {len(manifest)} pages ({ok} ok) in {ours:.1f} s, 2 workers with warm kernels; "
        f"{ours_cpu:.1f} CPU-s (>= {ours_cpu / 2:.1f} s on 2 idle cores)"
    )
    per_nb = manifest["seconds"].describe()
    print(f"       per notebook (execute + HTML, in a worker): median {per_nb['50%']:.2f} s")
    jobs = [
        ReportJob(r.name, Path(r.notebook), Path(r.ipynb), _parameters(Path(r.ipynb)))
        for r in manifest.itertuples()
        if r.status == "ok"
    ]
    chosen = jobs if not naive_n else jobs[:naive_n]
    cpu = cpu_seconds()
    with quiet_jupyter(work / "naive.log"):
        naive = naive_loop(chosen, work / "naive")
    naive_cpu = (cpu_seconds() - cpu) / len(chosen) * len(jobs)
    print(
        f"naive: {naive_cpu:.1f} CPU-s for {len(jobs)} notebooks; CPU ratio "
        f"{naive_cpu / ours_cpu:.1f}x"
    )
    if len(chosen) < len(jobs):
        estimate = naive / len(chosen) * len(jobs)
        print(
            f"naive: {len(chosen)} notebooks in {naive:.1f} s -> {estimate:.1f} s for "
            f"{len(jobs)} (EXTRAPOLATED from {len(chosen)}), serial papermill + nbconvert"
        )
        naive = estimate
    else:
        print(f"naive: {len(jobs)} notebooks in {naive:.1f} s, serial papermill + nbconvert")
    print(
        f"ratio: ours is {naive / ours:.1f}x faster than naive (target >= 4x); "
        f"ours {'meets' if ours <= 30 else 'MISSES'} the 30 s target"
    )


def _parameters(ipynb: Path) -> dict:
    import nbformat

    return dict(nbformat.read(ipynb, as_version=4).metadata.papermill.parameters)


def large_part(work: Path, units: int, sample: int | None) -> None:
    print(f"== large organisation ({units} units) ==")
    raw = work / "large-raw"
    start = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "satisfaction"),
            "simulate",
            "--units",
            str(units),
            "--months",
            "6",
            "--out",
            str(raw),
        ],
        check=True,
        capture_output=True,
    )
    print(f"simulate: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    data = prepare_report_data(raw)
    quarter = data.quarters[-1]
    prep = time.perf_counter() - start
    start = time.perf_counter()
    pub = published(data)
    publish = time.perf_counter() - start
    art = work / "large" / quarter / "data"
    pages = write_artefacts(data, pub, quarter, art, {"package": "bench"})
    pages = [p for p in pages if p.shown]
    if sample:
        pages = pages[:sample]
    for page in pages:
        write_unit_artefacts(pub, quarter, page, art)
    print(
        f"prepare {prep:.1f} s, publish {publish:.1f} s; {len(pages)} unit pages to run"
        + (" (a sample: --large-sample)" if sample else "")
    )

    def jobs(sub: str) -> list[ReportJob]:
        return [
            ReportJob(
                p.label,
                report_notebook("unit"),
                work / "large" / sub / f"{p.slug}.ipynb",
                {
                    "quarter": quarter,
                    "artefacts": str(art),
                    "unit": p.label,
                    "unit_id": p.unit_id,
                    "slug": p.slug,
                    "shown": True,
                },
            )
            for p in pages
        ]

    start = time.perf_counter()
    serial = run_reports(jobs("serial"), n_jobs=1, log_file=work / "large.log")
    t_serial = time.perf_counter() - start
    print(
        f"serial (1 warm kernel): {t_serial / len(pages):.2f} s per unit report "
        f"({int((serial['status'] == 'ok').sum())} ok)"
    )
    try:
        from distributed import LocalCluster
    except ImportError:
        print("local cluster: skipped (pip install 'satisfaction[dask]')")
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        start = time.perf_counter()
        dask = run_reports(
            jobs("dask"), scheduler=cluster.scheduler_address, log_file=work / "large.log"
        )
        t_dask = time.perf_counter() - start
    print(
        f"dask LocalCluster (2 workers): {t_dask / len(pages):.2f} s per unit report "
        f"({int((dask['status'] == 'ok').sum())} ok), {t_serial / t_dask:.1f}x serial"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--naive",
        type=int,
        default=None,
        help="time the naive loop on this many notebooks and extrapolate",
    )
    parser.add_argument("--units", type=int, default=1000, help="units of the large organisation")
    parser.add_argument(
        "--large-sample",
        type=int,
        default=None,
        help="run only this many of the large organisation's unit pages",
    )
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["SATISFACTION_ROOT"] = str(config.PROJ_ROOT)
        if not args.skip_sample:
            sample_part(work, args.naive)
        if not args.skip_large:
            large_part(work, args.units, args.large_sample)


if __name__ == "__main__":
    main()
