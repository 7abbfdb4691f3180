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
def simulate(out: str | None, seed: int) -> None:
    """Write the synthetic organisation's raw exports (pulse.csv, customers.xlsx, ...).

    The files follow the contract in data/README.md; the same seed gives the same bytes.
    """
    from . import config
    from .simulate import organisation, write_exports

    folder = out if out is not None else str(config.SAMPLE_DATA_DIR)
    paths = write_exports(organisation(seed=seed), folder)
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
@click.option("--jobs", type=int, default=2, show_default=True, help="Notebooks run in parallel.")
@click.option(
    "--min-group-size",
    type=int,
    default=MIN_GROUP_SIZE,
    show_default=True,
    help="Anonymity threshold.",
)
def report(quarter, data_dir, out_dir, units, no_units, jobs, min_group_size) -> None:
    """Re-run the report notebooks for the organisation and each unit; render HTML."""
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
        )
    except SatisfactionError as exc:
        raise click.ClickException(str(exc)) from None
    ok = manifest[manifest["status"] == "ok"]
    for row in ok.itertuples():
        click.echo(f"made {row.html or row.ipynb}")
    for row in manifest[manifest["status"] != "ok"].itertuples():
        click.echo(f"FAILED {row.name}: {row.error}", err=True)
    index = next(iter(ok["html"].dropna()), None)
    if index:
        click.echo(f"open {Path(index).parent / 'index.html'}")
    if len(ok) < len(manifest):
        raise SystemExit(1)
