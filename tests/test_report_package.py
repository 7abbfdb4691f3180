"""A package, not a checkout: the wheel carries the notebooks and template, and reports run from it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installed_outside_the_checkout_makes_a_one_unit_report(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("satisfaction-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "satisfaction/notebooks/organisation.ipynb" in names
    assert "satisfaction/notebooks/unit.ipynb" in names
    assert "satisfaction/report/templates/offline/index.html.j2" in names

    # a fresh venv; its dependencies come from this environment (offline, fast), the
    # package itself only from the wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        cwd=tmp_path,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    # nbconvert's base templates are data files that a real install puts in the venv's
    # share/jupyter; borrow only those (not this environment's kernels)
    jupyter_data = tmp_path / "jupyter"
    jupyter_data.mkdir()
    (jupyter_data / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    env = {k: v for k, v in os.environ.items() if k not in ("SATISFACTION_ROOT", "PYTHONPATH")}
    env["JUPYTER_PATH"] = str(jupyter_data)
    where = subprocess.run(
        [str(python), "-c", "import satisfaction; print(satisfaction.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert str(venv) in where, where

    # a small organisation keeps the test quick; the installed package's CLI writes it
    subprocess.run(
        [
            str(venv / "bin" / "satisfaction"),
            "simulate",
            "--units",
            "8",
            "--employees",
            "200",
            "--months",
            "6",
            "--out",
            "raw",
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env=env,
    )
    result = subprocess.run(
        [
            str(venv / "bin" / "satisfaction"),
            "report",
            "--data",
            "raw",
            "--out",
            "out",
            "--unit",
            "Payroll Services",
            "--jobs",
            "1",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # the kernels' chatter and Jupyter's warnings go to report.log, not the terminal
    for noise in ("IPKernelApp", "Warning", "WARNING", "Traceback"):
        assert noise not in result.stderr + result.stdout, result.stderr
    folder = tmp_path / "out" / "2025Q2"
    assert (folder / "index.html").exists(), result.stdout + result.stderr
    assert (folder / "organisation.html").exists()
    units = list(folder.glob("unit-payroll-services-*.html"))
    assert len(units) == 1
    nb = nbformat.read(units[0].with_suffix(".ipynb"), as_version=4)
    assert str(venv) in nb.metadata.papermill.input_path
    assert (tmp_path / "data" / "processed" / "report-2025Q2" / "employees.parquet").exists()
