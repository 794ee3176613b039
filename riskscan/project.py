"""What the scanned tree is, from its own evidence: an application, a library that offers providers, or both.

The question the scores answer depends on it (DOMAIN.md 5.1): an application is asked "what
stops when a provider fails?"; a library, whose users choose the provider and run their own
entry points, is asked "which providers can our users choose, and which calls are hard-wired?".

Evidence, each item kept as a sentence for the report:
- entry points that serve users (web routes, tasks, serverless handlers, CLI commands, console
  scripts) inside the package that makes the AI calls: an application. `__main__` blocks and
  notebooks are developer scripts, and entry points of another package in the same repository (a
  demo server beside a library) say nothing about the package that calls the providers; "inside"
  is by folder, since a folder without `__init__.py` can give its files a module name of another root;
- packaging metadata (pyproject `[project]` or Poetry name, setup.py, setup.cfg): something others
  install, unless it declares which packages it ships and none of them calls the providers;
- a provider registry or factory (switches.py) in that package, and its `__init__` re-exporting
  the provider code: providers offered to users.
An application that ships its own registry is "mixed", and is scored as an application with
configuration switches.
"""
from __future__ import annotations

import configparser
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

USER_FACING = ("http", "task", "lambda", "cli", "script", "custom")
KINDS = ("application", "library", "mixed")


@dataclass(frozen=True)
class ProjectKind:
    kind: str  # application | library | mixed
    evidence: tuple  # sentences, each naming what it rests on
    packages: tuple = ()  # top-level packages holding production AI call sites
    package_name: str = ""  # the packaging metadata found ("mem0ai (pyproject.toml)"), "" when none


def project_kind(report, root: Path, switches) -> ProjectKind:
    repo = report.graph
    path_module = {path: module for module, path in repo.modules.items()}
    roots = _package_roots(path_module, {f.path for f in report.findings if f.scope == "prod" and f.is_call_site})
    packages = sorted(roots)
    production = [e for e in repo.entry_points if e.scope == "prod"]
    serving = [e for e in production if e.kind in USER_FACING and _inside(e.path, roots.values())]
    name, shipped = _package_name(Path(root)), _shipped_packages(Path(root))
    ships_ai = shipped is None or any(fnmatch(p, pattern) for p in packages for pattern in shipped)
    # a router model setting picks a model, it does not make the package a provider registry
    points = [p for p in switches.points if p.kind != "setting" and _inside(p.path, roots.values())]
    exported = _reexports(report, repo, packages)
    evidence = []
    if serving:
        evidence.append(f"{len(serving)} user-facing entry points in the package that calls the providers "
                        f"(first: {serving[0].path}:{serving[0].line})")
    elif production:
        evidence.append(f"none of the {len(production)} production entry points serves users from the package that "
                        f"calls the providers ({', '.join(packages) or 'none'})")
    if name and not ships_ai:
        evidence.append(f"packaging metadata: {name} ships {', '.join(shipped) or 'no package'}, not the code that "
                        "calls the providers")
        name = ""
    elif name:
        evidence.append(f"packaging metadata: {name}")
    if points:
        evidence.append(f"{len(points)} provider registries or switches choose among providers by name "
                        f"({', '.join(p.where for p in points[:3])})")
    if exported:
        evidence.append(f"the public API re-exports provider code ({', '.join(exported[:3])})")
    return ProjectKind(_kind(bool(serving), bool(name), bool(points), bool(exported)), tuple(evidence), tuple(packages), name)


def _package_roots(path_module: dict, paths: set) -> dict:
    """Top-level package -> its folder (or file), for the files given. By folder, because a folder
    without `__init__.py` inside a package can give its files a module name of another root."""
    roots = {}
    for path in sorted(paths):
        module = path_module.get(path)
        if module is None:
            continue
        parts = path.split("/")
        depth = len(module.split(".")) + (parts[-1] == "__init__.py")
        roots.setdefault(module.split(".")[0], "/".join(parts[:max(1, len(parts) - depth + 1)]))
    return roots


def _inside(path: str, roots) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def _kind(serving: bool, packaged: bool, registry: bool, exported: bool) -> str:
    if serving:
        return "mixed" if registry else "application"
    if packaged and (registry or exported):
        return "library"
    return "application"


def _package_name(root: Path) -> str:
    """The distribution name and where it is declared (pyproject.toml, setup.cfg, setup.py); "" when none."""
    if not root.is_dir():
        return ""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        name = data.get("project", {}).get("name") or data.get("tool", {}).get("poetry", {}).get("name")
        if isinstance(name, str) and name:
            return f"{name} (pyproject.toml)"
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, RecursionError):  # bad TOML, huge numbers, deep nesting
        pass
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / "setup.cfg", encoding="utf-8")
        if parser.has_option("metadata", "name"):
            return f"{parser.get('metadata', 'name')} (setup.cfg)"
    except (configparser.Error, UnicodeDecodeError):
        pass
    return "a setup.py" if (root / "setup.py").is_file() else ""


def _shipped_packages(root: Path):
    """The package patterns the packaging metadata says it ships (`[tool.setuptools.packages.find]
    include`, `[tool.setuptools] packages`, Poetry's `packages`); None when it does not say."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")) if root.is_dir() else {}
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, RecursionError):
        return None
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    setuptools, poetry = tool.get("setuptools"), tool.get("poetry")
    declared = None
    if isinstance(setuptools, dict):
        found = setuptools.get("packages")
        declared = found.get("find", {}).get("include") if isinstance(found, dict) and isinstance(found.get("find"), dict) else found
    if declared is None and isinstance(poetry, dict) and isinstance(poetry.get("packages"), list):
        declared = [p.get("include") for p in poetry["packages"] if isinstance(p, dict)]
    if not isinstance(declared, list):
        return None
    return tuple(str(p).split("/")[0].split(".")[0] or str(p) for p in declared if isinstance(p, str) and p)


def _reexports(report, repo, packages: list) -> list:
    """Names a package's `__init__` imports from modules that hold production AI call sites."""
    calling = {f.path for f in report.findings if f.scope == "prod" and f.is_call_site}
    modules = repo.calls.modules if repo.calls is not None else {}
    found = []
    for package in packages:
        init = modules.get(package)
        if init is None or init.structure is None or not init.path.endswith("__init__.py"):
            continue
        for local, target in sorted(init.structure.names.items()):
            node = repo.calls.resolver.resolve(target) if target else None
            if node and modules[node[1]].path in calling:
                found.append(f"{package}.{local}")
    return found
