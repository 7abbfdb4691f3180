"""Running the report notebooks: parameters injected by papermill, warm kernels, offline HTML.

Where the time of a naive run goes (``papermill`` then ``nbconvert`` per notebook,
measured by ``benchmarks/bench_report.py``): starting a kernel (~1 s), importing
pandas, matplotlib and the package in it (~2 s), and creating an HTML exporter
(~0.3 s) — for every notebook — against a few tenths of a second of actual
execution. So this runner

* injects the parameters with papermill's own ``parameterize_notebook`` (the
  executed notebook keeps them in ``metadata.papermill.parameters``), then
* executes with nbclient in a **warm kernel** that each worker starts once and
  reuses for every notebook it runs (the namespace is reset between notebooks;
  imports stay loaded), and
* renders HTML with **one exporter instance** per worker, built on the package's
  own offline nbconvert template (``templates/offline``: no CDN script, font or
  image).

Workers are local processes (``n_jobs``) or the workers of an existing Dask
cluster (``scheduler``); each keeps one warm kernel per thread. A failure in
one notebook is a row of the manifest, never the end of the batch. The kernels'
own output (and every warning of Jupyter's machinery) goes to a log file.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SatisfactionError

__all__ = [
    "ReportError",
    "ReportJob",
    "MANIFEST_COLUMNS",
    "TEMPLATE_DIR",
    "data_fingerprint",
    "kernel_name",
    "execute_notebook",
    "to_html",
    "render_job",
    "run_reports",
    "quiet_jupyter",
]

log = logging.getLogger(__name__)

#: The package's own nbconvert template folder (``offline`` extends nbconvert's ``lab``).
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: The manifest's columns, one row per report.
MANIFEST_COLUMNS = [
    "name",
    "kind",
    "unit_id",
    "notebook",
    "ipynb",
    "html",
    "status",
    "error",
    "seconds",
]
_RESET = (
    "%reset -f\n"
    "import os as _os, matplotlib.pyplot as _plt\n"
    "_plt.close('all')\n"
    "_os.chdir({cwd!r})\n"
    "del _os, _plt"
)
_TAG = "satisfaction-reset"


class ReportError(SatisfactionError, RuntimeError):
    """A report notebook failed; carries the notebook, cell index, error name and value."""

    def __init__(self, notebook: str | Path, cell: int | None, ename: str, evalue: str):
        self.notebook = str(notebook)
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        where = f"cell {cell}" if cell is not None else "setup"
        super().__init__(
            f"report notebook '{notebook}' failed in {where}: {ename}: {evalue}; "
            "open the executed .ipynb beside the report to see the traceback"
        )


@dataclass(frozen=True)
class ReportJob:
    """One notebook run: which notebook, where its outputs go, with which parameters.

    ``html`` is where the rendered page goes (default: ``output`` with ``.html``);
    ``kind`` and ``unit_id`` are copied into the manifest.
    """

    name: str
    notebook: Path
    output: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    kind: str = "report"
    unit_id: str = ""
    title: str | None = None


def data_fingerprint(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the names and bytes of the data files a report was made from.

    Directories are walked (sorted, files only), so the same data gives the
    same fingerprint on every machine; missing files are skipped.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x;y\\n1;2\\n")
    >>> len(data_fingerprint([d]))
    64
    """
    digest = hashlib.sha256()
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.is_file()))
        elif p.is_file():
            files.append(p)
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def kernel_name() -> str:
    """The Jupyter kernel reports run on: ``satisfaction`` if registered (``make`` does), else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return "satisfaction" if "satisfaction" in specs else "python3"


@contextlib.contextmanager
def quiet_jupyter(log_file: str | Path | None = None):
    """Send Jupyter's log messages and Python warnings to ``log_file`` (or drop them) meanwhile.

    Nothing of the kernel machinery reaches the user's terminal: the loggers of
    jupyter_client, nbclient, nbconvert, papermill and traitlets, and every
    warning raised meanwhile, go to the file.
    """
    names = [
        "traitlets",
        "jupyter_client",
        "nbclient",
        "nbconvert",
        "papermill",
        "asyncio",
        "satisfaction",
    ]
    handler: logging.Handler
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    else:
        handler = logging.NullHandler()
    saved = []
    for name in names:
        lg = logging.getLogger(name)
        saved.append((lg, lg.handlers[:], lg.propagate, lg.level))
        lg.handlers = [handler]
        lg.propagate = False
        if lg.level == logging.NOTSET or lg.level > logging.INFO:
            lg.setLevel(logging.INFO)
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        logging.captureWarnings(True)
        wlog = logging.getLogger("py.warnings")
        saved.append((wlog, wlog.handlers[:], wlog.propagate, wlog.level))
        wlog.handlers, wlog.propagate = [handler], False
        try:
            yield
        finally:
            logging.captureWarnings(False)
            for lg, handlers, propagate, level in saved:
                lg.handlers, lg.propagate, lg.level = handlers, propagate, level
            handler.close()


class _WarmKernel:
    """One Jupyter kernel kept running and reused for every notebook of this thread."""

    def __init__(self, name: str, log_file: str | None):
        self.name = name
        self.log_file = log_file
        self.km: Any = None
        self.kc: Any = None
        self.runs = 0

    def client(self, nb, cwd: Path, timeout: int):
        from nbclient import NotebookClient

        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=self.name,
            timeout=timeout,
            startup_timeout=120,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.kc = self.kc
        return client

    def run(self, nb, cwd: Path, timeout: int):
        import nbformat

        reset = nbformat.v4.new_code_cell(_RESET.format(cwd=str(cwd)))
        reset.metadata["tags"] = [_TAG]
        nb.cells.insert(0, reset)
        client = self.client(nb, cwd, timeout)
        try:
            if self.km is None:
                sink = open(self.log_file, "ab") if self.log_file else open(os.devnull, "wb")  # noqa: SIM115
                try:
                    client.execute(cleanup_kc=False, cwd=str(cwd), stdout=sink, stderr=sink)
                finally:
                    sink.close()
                self.km, self.kc = client.km, client.kc
                atexit.register(self.close)
            else:
                client.execute()
        finally:
            nb.cells.pop(0)
            self.runs += 1
        return nb

    def close(self) -> None:
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = self.kc = None


_local = threading.local()
_ALL: list[_WarmKernel] = []


def _kernel(name: str, log_file: str | None) -> _WarmKernel:
    kernels = getattr(_local, "kernels", None)
    if kernels is None:
        kernels = _local.kernels = {}
    if name not in kernels:
        kernels[name] = _WarmKernel(name, log_file)
        _ALL.append(kernels[name])
    return kernels[name]


def _renumber(nb) -> None:
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = count


def _error_cell(nb) -> tuple[int | None, str, str]:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return index, out.get("ename", "Error"), out.get("evalue", "")
    return None, "Error", ""


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    kernel: str | None = None,
    cwd: str | Path | None = None,
    timeout: int = 600,
    log_file: str | Path | None = None,
) -> Path:
    """Execute a notebook in this thread's warm kernel, with papermill's parameter injection.

    Parameters
    ----------
    notebook, output : path
        The notebook to run and where the executed copy goes (folders are made).
    parameters : dict, optional
        Values for the notebook's ``parameters`` cell; recorded in
        ``metadata.papermill.parameters`` of the output, as papermill does.
    kernel : str, optional
        Jupyter kernel name (default :func:`kernel_name`).
    cwd : path, optional
        Working directory of the kernel while the notebook runs (default: the notebook's folder).
    timeout : int
        Seconds one cell may run.
    log_file : path, optional
        Where the kernel's own output goes (default: nowhere).

    Returns
    -------
    Path
        The executed notebook (written also when a cell fails, with the traceback).

    Raises
    ------
    ReportError
        With the cell index, error name and value when a cell fails.
    """
    import nbformat
    from nbclient.exceptions import CellExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    notebook, output = Path(notebook), Path(output)
    if not notebook.exists():
        raise ReportError(notebook, None, "FileNotFoundError", "the notebook does not exist")
    output.parent.mkdir(parents=True, exist_ok=True)
    name = kernel or kernel_name()
    nb = load_notebook_node(str(notebook))  # papermill's reader: tags and metadata as it expects
    nb = parameterize_notebook(nb, parameters or {}, kernel_name=name, language="python")
    nb.metadata.papermill["input_path"] = str(notebook)
    nb.metadata.papermill["output_path"] = str(output)
    warm = _kernel(name, None if log_file is None else str(log_file))
    failure: ReportError | None = None
    try:
        warm.run(nb, Path(cwd or notebook.parent).resolve(), timeout)
    except CellExecutionError as exc:
        cell, ename, evalue = _error_cell(nb)
        failure = ReportError(notebook, cell, exc.ename or ename, exc.evalue or evalue)
    except Exception as exc:  # kernel died, timeout: the batch goes on
        warm.close()
        failure = ReportError(notebook, None, type(exc).__name__, str(exc))
    _renumber(nb)
    nbformat.write(nb, output)
    if failure is not None:
        raise failure
    return output


_exporters: dict[bool, Any] = {}


def _exporter(hide_code: bool):
    if hide_code not in _exporters:
        from nbconvert import HTMLExporter

        _exporters[hide_code] = HTMLExporter(
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            template_name="offline",
            exclude_input=hide_code,
            exclude_input_prompt=hide_code,
            exclude_output_prompt=hide_code,
            embed_images=True,
        )
    return _exporters[hide_code]


def to_html(
    notebook: str | Path | Any,
    output: str | Path | None = None,
    *,
    hide_code: bool = True,
    title: str | None = None,
) -> Path:
    """Render an executed notebook to a self-contained, offline HTML page, code hidden by default.

    Uses the package's ``offline`` template (nbconvert's ``lab`` without its
    require.js, MathJax, mermaid and widget script blocks) and one exporter
    instance per process. ``title`` is the page title (escaped; default: the
    notebook's file name). ``notebook`` is a path or an already-read notebook
    (then ``output`` is required).
    """
    import nbformat

    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        nb = nbformat.read(path, as_version=4)
        output = Path(output) if output else path.with_suffix(".html")
        default_title = path.stem
    else:
        nb, default_title = notebook, "report"
        if output is None:
            raise ValueError("to_html: pass output= when giving a notebook object")
        output = Path(output)
    resources = {"metadata": {"name": title or default_title}}
    body, _ = _exporter(hide_code).from_notebook_node(nb, resources=resources)
    output.write_text(body, encoding="utf-8")
    return output


def render_job(
    job: ReportJob,
    *,
    html: bool = True,
    kernel: str | None = None,
    log_file: str | None = None,
    timeout: int = 600,
) -> dict[str, Any]:
    """Run one job (execute, then render) and return its manifest row; never raises."""
    start = time.perf_counter()
    row: dict[str, Any] = {
        "name": job.name,
        "kind": job.kind,
        "unit_id": job.unit_id,
        "notebook": str(job.notebook),
        "ipynb": str(job.output),
        "html": None,
    }
    with quiet_jupyter(log_file):
        try:
            execute_notebook(
                job.notebook,
                job.output,
                job.parameters,
                kernel=kernel,
                log_file=log_file,
                timeout=timeout,
            )
            if html:
                row["html"] = str(to_html(job.output, title=job.title or job.name))
            row["status"], row["error"] = "ok", None
        except ReportError as exc:
            row["status"], row["error"] = "failed", f"{exc.ename}: {exc.evalue}"
            logging.getLogger(__name__).error("%s", exc)
        except Exception as exc:  # writing or rendering: the batch goes on
            row["status"], row["error"] = "failed", f"{type(exc).__name__}: {exc}"
            logging.getLogger(__name__).exception("report %r failed", job.name)
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


def _init_worker() -> None:
    from multiprocessing.util import Finalize

    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    warnings.simplefilter("ignore")
    # pool workers leave through os._exit (no atexit): shut the kernels down on the way
    Finalize(None, _close_worker, exitpriority=100)


def _close_worker() -> int:
    closed = 0
    while _ALL:
        _ALL.pop().close()
        closed += 1
    _local.kernels = {}
    return closed


def run_reports(
    jobs: Sequence[ReportJob],
    *,
    n_jobs: int = 2,
    html: bool = True,
    kernel: str | None = None,
    scheduler: str | Any | None = None,
    log_file: str | Path | None = None,
    progress: bool = False,
    timeout: int = 600,
    raise_on_error: bool = False,
) -> pd.DataFrame:
    """Run report jobs on warm kernels, locally or on a Dask cluster; one manifest row per job.

    Parameters
    ----------
    jobs : sequence of ReportJob
    n_jobs : int
        Local worker processes (each with one warm kernel); 1 runs in this process.
    html : bool
        Render each executed notebook to offline HTML.
    kernel : str, optional
        Kernel name (default :func:`kernel_name`).
    scheduler : str or distributed.Client, optional
        Address of an existing Dask distributed scheduler (``tcp://host:8786``), or a
        client: the jobs run on its workers (which must see the same file system and
        have the package installed). Needs the ``dask`` extra. Start the workers with
        one thread each (``dask worker --nthreads 1``; tested so): each keeps one warm kernel.
    log_file : path, optional
        Where the kernels' output and Jupyter's warnings go.
    progress : bool
        Show a progress bar over notebooks (tqdm, on stderr).
    timeout : int
        Seconds one cell may run.
    raise_on_error : bool
        Raise :class:`SatisfactionError` after the batch when any job failed.

    Returns
    -------
    DataFrame
        :data:`MANIFEST_COLUMNS`. A failed job is a row with ``status == "failed"`` and
        the error; the others still run.
    """
    from tqdm.auto import tqdm

    kernel = kernel or kernel_name()
    log_path = None if log_file is None else str(Path(log_file).resolve())
    options = {"html": html, "kernel": kernel, "log_file": log_path, "timeout": timeout}
    bar = tqdm(total=len(jobs), desc="reports", unit="notebook", disable=not progress)
    rows: list[dict[str, Any]] = []
    try:
        if scheduler is not None:
            rows = _run_on_dask(jobs, scheduler, options, bar.update)
        elif n_jobs <= 1 or len(jobs) <= 1:
            for job in jobs:
                rows.append(render_job(job, **options))
                bar.update()
            _close_worker()
        else:
            rows = _run_in_processes(jobs, n_jobs, options, bar.update)
    finally:
        bar.close()
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    failed = manifest[manifest["status"] != "ok"]
    if raise_on_error and len(failed):
        raise SatisfactionError(
            f"{len(failed)} of {len(manifest)} reports failed, first: {failed['error'].iloc[0]}"
        )
    return manifest


def _run_in_processes(jobs, n_jobs: int, options: dict, tick: Callable[[], Any]) -> list[dict]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # fork would copy this process's event loops and zmq state into the workers
    context = mp.get_context("spawn")
    rows: dict[int, dict] = {}
    with ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=context, initializer=_init_worker
    ) as pool:
        futures = {pool.submit(_render_kw, job, options): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            rows[futures[future]] = future.result()
            tick()
    return [rows[i] for i in range(len(jobs))]


def _render_kw(job: ReportJob, options: dict) -> dict:
    return render_job(job, **options)


def _run_on_dask(jobs, scheduler, options: dict, tick: Callable[[], Any]) -> list[dict]:
    try:
        from distributed import Client
    except ImportError:
        raise SatisfactionError(
            "--scheduler needs Dask distributed: pip install 'satisfaction[dask]'"
        ) from None
    own = not isinstance(scheduler, Client)
    if own:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise SatisfactionError(
                f"scheduler={scheduler!r} is neither a Dask scheduler address "
                "(tcp://host:8786) nor a distributed.Client"
            )
        try:
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SatisfactionError(
                f"could not reach the Dask scheduler at {scheduler!r} ({exc}); check the "
                "address (tcp://host:8786) and that the scheduler is running"
            ) from None
    else:
        client = scheduler
    try:
        futures = client.map(_render_kw, list(jobs), options=options, pure=False)
        rows: dict[int, dict] = {}
        for i, future in enumerate(futures):  # in order: the bar moves as the head finishes
            rows[i] = future.result()
            tick()
        client.run(_close_worker)
    finally:
        if own:
            client.close()
    return [rows[i] for i in range(len(jobs))]
