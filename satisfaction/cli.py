"""The ``satisfaction`` command."""

from __future__ import annotations

from pathlib import Path

import click

from .config import MIN_GROUP_SIZE

__all__ = ["main"]


@click.group()
@click.version_option(package_name="satisfaction")
def main() -> None:
    """satisfaction: linkage-chain analytics and quarterly reports."""


@main.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder to write the raw exports into (default: the project's data/sample).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the organisation.")
@click.option(
    "--units",
    "n_units",
    type=click.IntRange(min=2),
    default=40,
    show_default=True,
    help="Number of units (e.g. 1000 for a large organisation).",
)
@click.option(
    "--employees",
    "n_employees",
    type=click.IntRange(min=10),
    default=None,
    help="Headcount at the start (default: 1,500, or 37 per unit beyond 40 units).",
)
@click.option(
    "--months",
    type=click.IntRange(min=3),
    default=24,
    show_default=True,
    help="Months of pulse data.",
)
def simulate(
    out: str | None, seed: int, n_units: int, n_employees: int | None, months: int
) -> None:
    """Write the synthetic organisation's raw exports (pulse.csv, customers.xlsx, ...).

    The files follow the contract in data/README.md; the same seed and options give
    the same bytes.
    """
    from . import config
    from .simulate import organisation, write_exports

    folder = out if out is not None else str(config.SAMPLE_DATA_DIR)
    if n_employees is None:
        n_employees = 1500 if n_units <= 40 else 37 * n_units
    org = organisation(seed=seed, n_units=n_units, n_employees=n_employees, months=months)
    paths = write_exports(org, folder)
    for _name, path in paths.items():
        click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")
    click.echo(f"seed {seed}: {len(paths)} files in {folder}")


@main.command()
@click.option(
    "--quarter", default=None, help="Quarter to report, e.g. 2026Q3 (default: the latest)."
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, exists=True, path_type=str),
    default=None,
    help="Folder of raw exports pulse.csv and customers.xlsx (default: data/sample).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Reports folder (default: reports/).",
)
@click.option("--unit", "units", multiple=True, help="Only these units (repeatable); default all.")
@click.option("--no-units", is_flag=True, help="Only the organisation report.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Local worker processes, each with one warm kernel.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Address of an existing Dask scheduler (tcp://host:8786) to run the notebooks on "
    "(needs the dask extra; workers must see the same folders).",
)
@click.option(
    "--progress/--no-progress", default=True, show_default=True, help="Progress bar over notebooks."
)
@click.option(
    "--min-group-size",
    type=int,
    default=MIN_GROUP_SIZE,
    show_default=True,
    help="Anonymity threshold.",
)
def report(
    quarter, data_dir, out_dir, units, no_units, jobs, scheduler, progress, min_group_size
) -> None:
    """Re-run the report notebooks for the organisation and each unit; render offline HTML.

    Exits with status 1 and a summary when any page could not be made; the
    index lists those pages with the reason, and the kernels' log is in
    report.log beside it.
    """
    from .errors import SatisfactionError
    from .report import quarterly_report

    chosen = "none" if no_units else (list(units) if units else "all")
    try:
        manifest = quarterly_report(
            quarter,
            data_dir=data_dir,
            out_dir=out_dir,
            units=chosen,
            n_jobs=jobs,
            min_group_size=min_group_size,
            scheduler=scheduler,
            progress=progress,
        )
    except SatisfactionError as exc:
        raise click.ClickException(str(exc)) from None
    ok = manifest[manifest["status"] == "ok"]
    failed = manifest[manifest["status"] != "ok"]
    folder = Path(manifest["ipynb"].iloc[0]).parent
    click.echo(f"{len(ok)} of {len(manifest)} pages made in {folder}")
    click.echo(f"open {folder / 'index.html'}")
    if len(failed):
        click.echo(
            f"{len(failed)} pages FAILED (listed in index.html; log: {folder / 'report.log'}):",
            err=True,
        )
        for row in failed.itertuples():
            click.echo(f"  {row.name!r}: {row.error}", err=True)
        raise SystemExit(1)
