"""Column matching: file columns -> item ids and meta names, expected items checked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..instruments import Instrument
from ._common import META_COLUMNS, _fail, _key

__all__ = ["_match"]


def _match(
    path: Path,
    columns: list[str],
    instrument: Instrument | None,
    mapping: Mapping[str, str] | None,
    items: Sequence[str] | None,
    unknown: str,
    missing: str,
    header_row: int,
    *,
    sheet: str | None = None,
):
    """Rename columns to item ids / meta names; return (renames, items, meta, unmatched, missing)."""
    names = [str(c) for c in columns]
    renames: dict[str, str] = {}
    if mapping:
        by_key = {_key(n): n for n in names}
        for src, dst in mapping.items():
            found = src if src in names else by_key.get(_key(src))
            if found is None:
                raise _fail(
                    path,
                    f"columns={{{src!r}: {dst!r}}} names a column the file does not have",
                    f"use one of its columns: {', '.join(names[:15])}",
                )
            renames[found] = dst
    item_ids = list(instrument.item_ids) if instrument is not None else list(items or [])
    targets = {_key(i): i for i in item_ids}
    targets.update({_key(m): m for m in META_COLUMNS if _key(m) not in targets})
    new_names: list[str] = []
    for n in names:
        if n in renames:
            new = renames[n]
        else:
            new = targets.get(_key(n), n.strip())
        new_names.append(new)
        if new != n:
            renames[n] = new
    seen: dict[str, int] = {}
    for pos, n in enumerate(new_names):
        if n in seen:
            originals = [names[seen[n]], names[pos]]
            raise _fail(
                path,
                f"columns {seen[n] + 1} and {pos + 1} ({originals[0]!r} and {originals[1]!r}) "
                f"both give the column {n!r}",
                "rename or delete one of them in the file, or map them apart with columns={...}",
                row=header_row,
                sheet=sheet,
                column=n,
            )
        seen[n] = pos
    found_items = [n for n in new_names if n in item_ids]
    meta = [n for n in new_names if n in META_COLUMNS and n not in item_ids]
    unmatched = [n for n in new_names if n not in item_ids and n not in META_COLUMNS]
    if instrument is not None:
        prefixes = {re.sub(r"\d+$", "", i).casefold() for i in item_ids}
        prefixes.discard("")
        pattern = re.compile(r"^(" + "|".join(map(re.escape, sorted(prefixes))) + r")_?\d+$")
        looks_item = [n for n in unmatched if pattern.match(_key(n))]
        if looks_item and unknown == "error":
            raise _fail(
                path,
                f"{len(looks_item)} column(s) look like items but are not in instrument "
                f"{instrument.name!r}: {', '.join(looks_item)}",
                "add them to the instrument, map them with columns={'"
                + looks_item[0]
                + "': '<item id>'}, or pass unknown='keep' to keep them as extra columns",
                row=header_row,
                sheet=sheet,
                column=looks_item[0],
            )
        if items is not None:
            expected = list(items)
            bad = [i for i in expected if i not in item_ids]
            if bad:
                raise _fail(
                    path,
                    f"items={bad!r} are not items of instrument {instrument.name!r}",
                    f"choose from {', '.join(item_ids)}",
                )
        else:
            sources = {instrument.item(i).source for i in found_items}
            expected = [i.id for i in instrument.items if i.source in sources]
    else:
        expected = list(items or [])
    lacking = [i for i in expected if i not in found_items]
    if lacking and missing == "error":
        raise _fail(
            path,
            f"the item column(s) {', '.join(lacking)} are missing (found {len(found_items)} of "
            f"{len(expected)} expected items)",
            "add them, map a differently named column with columns={'<name in file>': '"
            + lacking[0]
            + "'}, pass items=[...] to read only some items, or missing='ignore'",
            column=lacking[0],
        )
    if instrument is not None and not found_items:
        raise _fail(
            path,
            f"none of its columns ({', '.join(names[:10])}) is an item of instrument "
            f"{instrument.name!r}",
            "check the separator and the header row, or map the columns with columns={...}",
            row=header_row,
            sheet=sheet,
        )
    return renames, new_names, found_items, meta, unmatched, lacking
