"""docs/ stands on its own: every page is there, links resolve, and every `sat.` name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import satisfaction as sat

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
CLAIMS = [DOCS / "claims" / f"H{i}.md" for i in range(1, 9)]


def test_design_methods_and_one_page_per_claim_exist():
    for page in [DOCS / "design.md", DOCS / "methods.md", *CLAIMS]:
        assert page.is_file(), f"{page.relative_to(ROOT)} is missing"


@pytest.mark.parametrize("page", CLAIMS, ids=lambda p: p.stem)
def test_claim_page_says_what_how_and_what_the_sample_says(page):
    text = page.read_text(encoding="utf-8")
    for heading in (
        "**The claim.**",
        "**How it is tested.**",
        "**What the sample organisation says.**",
    ):
        assert heading in text, f"{page.name} lacks {heading}"
    assert "Estimate:" in text, f"{page.name}: give the sample's estimate"


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"], ids=lambda p: p.name)
def test_links_stay_inside_the_repository_and_resolve(page):
    text = page.read_text(encoding="utf-8")
    assert "shared/DESIGN.md" not in text and "../shared" not in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        assert (page.parent / target).exists(), (
            f"{page.name} links to {target}, which does not exist"
        )


def _resolve(dotted: str):
    obj = sat
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"], ids=lambda p: p.name)
def test_every_sat_name_in_the_docs_exists(page):
    """A renamed function leaves no stale name behind (``sat.claims(...)`` became
    ``sat.claims_table``)."""
    text = page.read_text(encoding="utf-8")
    problems = []
    for name, call in sorted(
        set(re.findall(r"(?<![:\w])sat\.([A-Za-z_][\w.]*[A-Za-z_0-9])(\()?", text))
    ):
        try:
            obj = _resolve(name)
        except AttributeError:
            problems.append(f"sat.{name} does not exist")
            continue
        if call and not callable(obj):
            problems.append(f"sat.{name}(...) is called but is not a function")
    assert not problems, f"{page.name}: {problems}"
