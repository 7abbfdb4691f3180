"""The quarterly run end to end on hostile but plausible data: safe, private, never stopped by one unit.

One small synthetic organisation (seed 1, 10 units, 6 months) has its unit names
replaced by the names a review found dangerous: markup, a spreadsheet formula, a
``$``, two names that slugify alike, a 300-character name, a number and an empty
cell. The whole run is made once (module fixture) through the CLI and every
rendered table, every figure's source data and every file under the reports
folder is checked.
"""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import html.parser
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import assert_close

import satisfaction as sat
from satisfaction.cli import main
from satisfaction.report import quarterly
from satisfaction.report.safety import NO_NAME, unit_slug
from satisfaction.simulate import write_exports

MIN = 5
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid","x")'
DOLLAR = "Sales $ and $ marketing"
LONG = "Pitkä " + "nimi " * 60
FAILING = "Payroll Services"  # its page data cannot be written (injected below)
HOSTILE = [SCRIPT, FORMULA, DOLLAR, "R&D", "R-D", LONG.strip(), "101", None]


def _rename(frame: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    out = frame.copy()
    out["unit"] = out["unit"].map(lambda u: mapping.get(u, u))
    return out


def _write_hostile(folder: Path) -> Path:
    org = sat.organisation(seed=1, n_employees=400, n_units=10, months=6)
    names = sorted(org.pulse["unit"].unique())
    mapping = dict(zip([n for n in names if n != FAILING], HOSTILE, strict=False))
    org = dataclasses.replace(
        org,
        pulse=_rename(org.pulse, mapping),
        customers=_rename(org.customers, mapping),
        hr_events=_rename(org.hr_events, mapping),
        units=_rename(org.units, mapping),
    )
    write_exports(org, folder)
    return folder


def _run_report(base: Path) -> dict:
    """The CLI run, with one unit's page data failing before any notebook runs."""
    real = quarterly.write_unit_artefacts

    def failing(pub, quarter, page, folder):
        if page.label == FAILING:
            raise OSError("disk full (injected by the test)")
        return real(pub, quarter, page, folder)

    data = _write_hostile(base / "raw")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quarterly, "write_unit_artefacts", failing)
        mp.setenv("SATISFACTION_ROOT", str(base))
        result = CliRunner().invoke(
            main,
            [
                "report",
                "--data",
                str(data),
                "--out",
                str(base / "reports"),
                "--jobs",
                "2",
                "--no-progress",
            ],
        )
    return {"exit_code": result.exit_code, "output": result.output}


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """One run per test session, shared by the pytest-xdist workers (made under a file lock)."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    root = tmp_path_factory.getbasetemp()
    base = (root.parent / f"report-run-{uid}") if uid else (root / "report-run")
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "result.json"
        if not done.exists():
            done.write_text(json.dumps(_run_report(base)), encoding="utf-8")
        fcntl.flock(lock, fcntl.LOCK_UN)
    return base


@pytest.fixture(scope="module")
def hostile_data(shared) -> Path:
    return shared / "raw"


@pytest.fixture(scope="module")
def run(shared):
    result = json.loads((shared / "result.json").read_text(encoding="utf-8"))
    return SimpleNamespace(**result), shared / "reports" / "2025Q2"


def test_a_failing_unit_never_stops_the_batch(run):
    result, folder = run
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output and FAILING in result.output
    manifest = pd.read_csv(folder / "manifest.csv")
    failed = manifest[manifest["status"] != "ok"]
    assert failed["name"].tolist() == [FAILING]
    assert "disk full" in failed["error"].iloc[0]
    assert (manifest["status"] == "ok").sum() == len(manifest) - 1
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Not produced" in index and "disk full" in index


def test_every_unit_has_its_own_file_with_a_bounded_name(run):
    _, folder = run
    manifest = pd.read_csv(folder / "manifest.csv", keep_default_na=False)
    pages = [Path(p) for p in manifest["html"] if p]
    assert len(pages) == len(set(pages))
    assert unit_slug("R&D") != unit_slug("R-D")
    for page in pages:
        assert page.exists()
        assert len(page.name) <= 5 + 40 + 11 + 5
        assert re.fullmatch(r"[a-z0-9-]+\.html", page.name)
    names = set(manifest["name"])
    assert {"R&D", "R-D", NO_NAME, "101", DOLLAR, SCRIPT} <= names


def test_no_markup_from_data_reaches_any_page(run):
    _, folder = run
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text, page.name
        assert "<script" not in text.lower(), f"{page.name} carries a script block"
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), f"{page.name} loads a URL"
    script_page = folder / f"{unit_slug(SCRIPT)}.html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in script_page.read_text(encoding="utf-8")


def test_dollar_name_renders_with_its_figure(run):
    _, folder = run
    text = (folder / f"{unit_slug(DOLLAR)}.html").read_text(encoding="utf-8")
    if "are not shown for" not in text:
        assert "data:image/png;base64," in text
    assert "Sales $ and $ marketing" in text


def test_manifest_neutralises_formulas(run):
    _, folder = run
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


class _Tables(html.parser.HTMLParser):
    """Every <table class="report-table">: header row and body rows as text."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "report-table" in (dict(attrs).get("class") or ""):
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _count_columns(header: list[str]) -> list[int]:
    return [i for i, h in enumerate(header) if h == "n" or h.endswith("(n)") or h.startswith("n (")]


def test_every_rendered_table_respects_the_threshold(run):
    _, folder = run
    checked = 0
    for page in folder.glob("*.html"):
        if page.name == "index.html":
            continue
        parser = _Tables()
        parser.feed(page.read_text(encoding="utf-8"))
        for table in parser.tables:
            header, rows = table[0], table[1:]
            for col in _count_columns(header):
                for row in rows:
                    if row[col] not in ("", "withheld"):
                        assert int(row[col]) >= MIN, (page.name, header[col], row)
                        checked += 1
    assert checked > 10


def test_units_table_and_heatmap_show_the_same_cells(run):
    """The org figure never plots a value the units table withholds."""
    _, folder = run
    units = pd.read_parquet(folder / "data" / "organisation-units.parquet").set_index("unit")
    heat = pd.read_parquet(folder / "data" / "organisation-heatmap.parquet")
    for row in heat.itertuples():
        in_table = units.loc[row.unit, row.index]
        assert pd.isna(in_table) == bool(row.suppressed), row
        if not row.suppressed:
            assert_close(row.value, in_table, kind="roundoff")


def _check_source_data(frame: pd.DataFrame, name: str) -> None:
    people = {"n", "n_employees", "n_customers", "org_n"}
    for col in [c for c in frame.columns if c in people]:
        shown = pd.to_numeric(frame[col], errors="coerce").dropna()
        assert (shown >= MIN).all(), f"{name}: {col} below {MIN}"
    for col in frame.columns:
        text = frame[col].astype(str)
        assert not text.str.fullmatch(r"[EC]\d{5,}").any(), f"{name}: respondent id in {col}"


def test_every_figure_source_data_respects_the_threshold(run):
    _, folder = run
    files = sorted((folder / "data").glob("*.parquet"))
    assert len(files) >= 10
    for path in files:
        _check_source_data(pd.read_parquet(path), path.name)


def test_complementary_and_previous_quarter_rules_hold_across_reports(hostile_data):
    """What the published table shows: no shown set of units leaves 1-4 people to subtract,
    and no unit shown in two consecutive quarters changed by 1-4 people."""
    from satisfaction.report import prepare_report_data, published

    data = prepare_report_data(hostile_data)
    pub = published(data, min_group_size=MIN)
    people = {
        "employees": data.employees.groupby(["quarter", "unit"])["respondent_key"].nunique(),
        "customers": data.customers.groupby(["quarter", "unit"])["respondent_key"].nunique(),
    }
    cells = pub.drop_duplicates(["quarter", "unit", "source"])
    units = cells[cells["unit"] != "Organisation"]
    for (quarter, source), part in units.groupby(["quarter", "source"]):
        shown = part[~part["suppressed"]]
        total = people[source].loc[quarter].sum()
        hidden = total - shown["n"].astype(int).sum()
        assert hidden == 0 or hidden >= MIN, (quarter, source, hidden)
    for (unit, source), part in units.sort_values("quarter").groupby(["unit", "source"]):
        rows = part.reset_index(drop=True)
        for a, b in zip(rows.index[:-1], rows.index[1:], strict=True):
            if not rows.loc[a, "suppressed"] and not rows.loc[b, "suppressed"]:
                change = abs(int(rows.loc[b, "n"]) - int(rows.loc[a, "n"]))
                assert change == 0 or change >= MIN, (unit, source, change)


def test_no_respondent_identifier_in_any_report_file(run):
    _, folder = run
    pattern = re.compile(rb"\b[EC]\d{5,6}\b")
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        assert not pattern.search(data), f"{path.name} holds a respondent identifier"


def test_executed_notebooks_keep_their_parameters(run):
    _, folder = run
    nb = nbformat.read(folder / f"{unit_slug('R&D')}.ipynb", as_version=4)
    params = nb.metadata.papermill.parameters
    assert params["unit"] == "R&D" and params["quarter"] == "2025Q2"
    assert len(params["data_fingerprint"]) == 64
    run_json = json.loads((folder / "data" / "run.json").read_text(encoding="utf-8"))
    assert run_json["data fingerprint (SHA-256 of the raw exports)"] == params["data_fingerprint"]


def test_nameless_unit_is_reported_as_such(run):
    _, folder = run
    page = folder / f"{unit_slug(NO_NAME)}.html"
    assert page.exists()
    assert "(unit with no name)" in page.read_text(encoding="utf-8")


def test_below_threshold_pages_say_so_and_nothing_else(run):
    _, folder = run
    manifest = pd.read_csv(folder / "manifest.csv", keep_default_na=False)
    withheld = manifest[manifest["kind"] == "unit-withheld"]
    assert len(withheld) >= 1
    for path in withheld["html"]:
        text = Path(path).read_text(encoding="utf-8")
        assert "are not shown for" in text
        assert "<table" not in text and "<img" not in text
    assert (folder / "report.log").exists()


CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"


def _browser_or_skip():
    """Debian's chromium (``.ci/run`` installs it with apt) and playwright's Python driver."""
    import shutil

    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.skip("no /usr/bin/chromium and no apt-get here to install it")
        pytest.fail(
            "/usr/bin/chromium is missing: run `apt-get install -y chromium` (.ci/run does)"
        )
    return pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")


def test_pages_render_offline_in_a_real_browser(run):
    """Open the index and a unit page from disk with every non-file request aborted:
    no failed request, no console error, every figure decoded; screenshots are kept."""
    sync_api = _browser_or_skip()
    _, folder = run
    ARTEFACTS.mkdir(exist_ok=True)
    pages = [
        folder / "index.html",
        folder / "organisation.html",
        folder / f"{unit_slug(SCRIPT)}.html",
        folder / f"{unit_slug(DOLLAR)}.html",
    ]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND",
            ],
        )
        try:
            for path in pages:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                problems: list[str] = []
                network: list[str] = []

                def block(route, network=network):
                    if route.request.url.startswith("file://"):
                        route.continue_()
                    else:
                        network.append(route.request.url)
                        route.abort()

                page.route("**/*", block)
                page.on(
                    "console",
                    lambda m, problems=problems: (
                        problems.append(m.text) if m.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda e, problems=problems: problems.append(str(e)))
                page.on(
                    "requestfailed",
                    lambda r, problems=problems: problems.append(f"failed request {r.url}"),
                )
                page.goto(path.as_uri(), wait_until="load")
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.complete, e.naturalWidth])"
                )
                page.screenshot(path=str(ARTEFACTS / f"{path.stem[:40]}.png"), full_page=True)
                assert not network, f"{path.name} asked the network for {network}"
                assert not problems, f"{path.name}: {problems}"
                assert all(ok and width > 0 for ok, width in images), (path.name, images)
                if path.name == "organisation.html":
                    assert len(images) >= 2
                page.close()
        finally:
            browser.close()
