"""One name per thing: no function hides a module, no alias, no private import across packages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import satisfaction as sat

PKG = Path(sat.__file__).parent


def _modules():
    yield sat
    for info in pkgutil.walk_packages(sat.__path__, "satisfaction."):
        yield importlib.import_module(info.name)


def test_no_function_shares_a_name_with_a_module():
    """``satisfaction.clean`` once was a function hiding ``satisfaction/clean/``."""
    clashes = []
    for mod in _modules():
        if not hasattr(mod, "__path__"):
            continue
        for info in pkgutil.iter_modules(mod.__path__):
            obj = getattr(mod, info.name, None)
            if obj is not None and not isinstance(obj, types.ModuleType):
                clashes.append(f"{mod.__name__}.{info.name}")
    assert clashes == []


def test_one_public_name_per_function():
    """``sat.fit_sem`` and ``sat.sem.fit`` were one object under two names."""
    seen: dict[int, str] = {}
    dupes = []
    for name in sat.__all__:
        obj = getattr(sat, name)
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        if id(obj) in seen:
            dupes.append((seen[id(obj)], name))
        seen[id(obj)] = name
        for sub in ("sem",):
            for other in getattr(getattr(sat, sub), "__all__", []):
                if getattr(getattr(sat, sub), other) is obj and other != name:
                    dupes.append((name, f"{sub}.{other}"))
    assert dupes == []


def test_readme_functions_are_importable():
    for name in ("aggregate", "to_quarter", "fit_sem", "compare_models", "clean", "suppress"):
        assert name in sat.__all__ and callable(getattr(sat, name))


def _package_of(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    else:
        parts.pop()  # the module's own package
    return ".".join(parts)


def test_no_private_name_imported_across_packages():
    """What two (sub)packages share is public in one of them."""
    offences = []
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = _package_of(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("satisfaction"):
                continue
            # the package the imported module lives in
            try:
                spec_pkg = importlib.import_module(target)
            except ImportError:
                continue
            target_pkg = target if hasattr(spec_pkg, "__path__") else target.rpartition(".")[0]
            if target_pkg == here:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    offences.append(f"{path.relative_to(PKG.parent)}: {alias.name} from {target}")
    assert offences == []
