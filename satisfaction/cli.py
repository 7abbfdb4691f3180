"""The ``satisfaction`` command."""

from __future__ import annotations

import click

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
