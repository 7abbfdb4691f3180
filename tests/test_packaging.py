"""The project's own files install everything it needs, and say the same thing twice."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_pyproject_dependency_is_in_environment_yml():
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"] if "python_version < '3.11'" not in r}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    have = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            have |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-e")}
        else:
            have.add(_name(dep))
    missing = sorted(wanted - have)
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"


def test_every_dependency_is_pinned_in_constraints():
    project = _pyproject()["project"]
    pinned = {
        _name(line)
        for line in (ROOT / "requirements/constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    wanted = {_name(r) for r in project["dependencies"] if "python_version < '3.11'" not in r}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    missing = sorted(wanted - pinned)
    assert not missing, f"not pinned in requirements/constraints.txt: {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert "make test" in ci


def test_semopy_is_pinned_to_the_tested_release():
    deps = _pyproject()["project"]["dependencies"]
    assert "semopy==2.3.11" in deps
