"""The run's front page (``index.html``) and its manifest (``manifest.csv``).

The index says what happened this quarter (the headline sentences), what to look
at first (units clearly below the organisation), links every page, and lists
every page that could not be made with the reason. It is written by Python, not
by a notebook, with every string escaped, no script and nothing loaded from the
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .safety import html_text, spreadsheet_frame

__all__ = ["write_index", "write_manifest", "look_first"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:58em;margin:2em auto;padding:0 1em;"
    "line-height:1.45;color:#1a1a1a}th{text-align:left;padding-right:1em}"
    "td,th{padding:.15em .6em .15em 0;vertical-align:top}.failed{color:#b00020}"
    ".muted{color:#555}"
)


def look_first(heatmap: pd.DataFrame, units: pd.DataFrame | None = None) -> list[str]:
    """Units whose employee experience or customer satisfaction is below the organisation.

    ``heatmap`` is :func:`satisfaction.report.heatmap_data` (with ``difference``);
    a unit is listed when its value is shown and lies more than 0.25 scale points
    below the organisation's, largest gap first.
    """
    if heatmap is None or heatmap.empty:
        return []
    rows = heatmap[heatmap["index"].isin(["EX", "CSAT"]) & ~heatmap["suppressed"].astype(bool)]
    rows = rows[rows["difference"] < -0.25].sort_values("difference")
    return [
        f"{r.unit}: {r.label} {r.difference:+.2f} against the organisation"
        for r in rows.itertuples()
    ]


def write_manifest(manifest: pd.DataFrame, path: str | Path) -> Path:
    """Write the manifest as CSV, with cells a spreadsheet would run as formulas neutralised."""
    path = Path(path)
    spreadsheet_frame(manifest).to_csv(path, index=False)
    return path


def write_index(
    out_dir: str | Path,
    manifest: pd.DataFrame,
    *,
    title: str,
    meta: Mapping[str, Any],
    headline: list[str] | None = None,
    first: list[str] | None = None,
) -> Path:
    """Write ``index.html``: what happened, what to look at first, every page, how it was made.

    Parameters
    ----------
    out_dir : path
        The run's folder; links are relative to it.
    manifest : DataFrame
        ``name, kind, html, status, error`` per page (see :func:`satisfaction.report.run_reports`).
    title : str
    meta : mapping
        Provenance shown at the bottom (version, quarter, threshold, fingerprint ...).
    headline : list of str, optional
        The headline sentences.
    first : list of str, optional
        What to look at first (:func:`look_first`).
    """
    out_dir = Path(out_dir)
    ok = manifest[manifest["status"] == "ok"]
    failed = manifest[manifest["status"] != "ok"]
    parts = [f"<h1>{html_text(title)}</h1>"]
    if len(failed):
        parts.append(
            f'<p class="failed"><strong>{len(failed)} of {len(manifest)} pages could not be '
            "made</strong>; they are listed at the end with the reason.</p>"
        )
    if headline:
        parts.append("<h2>What happened this quarter</h2><ul>")
        parts += [f"<li>{html_text(s)}</li>" for s in headline]
        parts.append("</ul>")
    parts.append("<h2>What to look at first</h2>")
    if first:
        parts.append("<ul>" + "".join(f"<li>{html_text(s)}</li>" for s in first) + "</ul>")
    else:
        parts.append("<p>No unit stands out below the organisation this quarter.</p>")
    parts.append("<h2>Reports</h2><ul>")
    for row in ok.itertuples():
        if not row.html:
            continue
        rel = Path(row.html).resolve().relative_to(out_dir.resolve()).as_posix()
        note = (
            ' <span class="muted">(figures withheld this quarter)</span>'
            if getattr(row, "kind", "") == "unit-withheld"
            else ""
        )
        parts.append(f'<li><a href="{html_text(rel)}">{html_text(row.name)}</a>{note}</li>')
    parts.append("</ul>")
    if len(failed):
        parts.append('<h2 class="failed">Not produced</h2><ul>')
        parts += [
            f'<li class="failed">{html_text(row.name)}: {html_text(row.error)}</li>'
            for row in failed.itertuples()
        ]
        parts.append("</ul>")
    meta_rows = "".join(
        f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in meta.items()
    )
    parts.append(f"<h2>How these reports were made</h2><table>{meta_rows}</table>")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html_text(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
