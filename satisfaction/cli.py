"""The ``satisfaction`` command."""

from __future__ import annotations

import click

__all__ = ["main"]


@click.group()
@click.version_option(package_name="satisfaction")
def main() -> None:
    """satisfaction: linkage-chain analytics and quarterly reports."""
