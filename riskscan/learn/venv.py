"""Where a virtualenv's site-packages folder is, from its layout alone, and what of it a run memo
signs. Kept light to import: a scan the run memo answers imports this module and nothing of the
learning pipeline."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..cache import stat_signature
from ..errors import UsageError


def site_packages_of(python: Path) -> Path:
    """The site-packages folder of the virtualenv `python` belongs to, from the folder layout alone."""
    python = Path(python)
    env = python.parent.parent if python.parent.name in ("bin", "Scripts") else python.parent
    if not ((env / "pyvenv.cfg").is_file() or (env / "conda-meta").is_dir()):
        raise UsageError(f"{python} is not the interpreter of a virtualenv (no pyvenv.cfg beside its bin folder); "
                         "use --site-packages DIR")
    version = _venv_python_version(env / "pyvenv.cfg")
    candidates = sorted(env.glob("lib/python*/site-packages")) + [env / "Lib" / "site-packages"]
    preferred = [c for c in candidates if version and c.parent.name == f"python{version}"]
    for candidate in preferred + candidates:
        if candidate.is_dir():
            return candidate
    raise UsageError(f"no site-packages folder in the virtualenv {env}")


def _venv_python_version(config: Path) -> str:
    """`3.11` from `version = 3.11.7` (or `version_info`) in pyvenv.cfg."""
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    match = re.search(r"^\s*version(?:_info)?\s*=\s*(\d+)\.(\d+)", text, re.MULTILINE)
    return f"{match.group(1)}.{match.group(2)}" if match else ""


def site_packages_for(path: Path) -> Path:
    """A virtualenv folder, its interpreter, or a site-packages folder itself."""
    path = Path(path)
    if path.is_file():
        return site_packages_of(path)
    if (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir():
        return site_packages_of(path / "bin" / "python")
    if path.is_dir():
        return path
    raise UsageError(f"--learn-from-env: no such environment: {path}")


def memo_input(env: Path, cache_dir: Path) -> str:
    """What a scan with `--learn-from-env` reads beyond the tree and the rules, for the run memo key:
    the stat signature of every installed distribution's RECORD (an install, upgrade or removal
    changes it) and the names of the learned files in the cache. A name holds its content key, so
    the names say what was learned from which content; a stat each, nothing is read or hashed."""
    site_packages = site_packages_for(env)
    parts = [str(site_packages)]
    for info in sorted(site_packages.glob("*.dist-info")):
        try:
            parts.append(f"{info.name}:{stat_signature((info / 'RECORD').stat())}")
        except OSError:
            parts.append(f"{info.name}:-")
    learned = Path(cache_dir) / "learned"
    parts += sorted(p.relative_to(learned).as_posix() for p in learned.glob("*/*")) if learned.is_dir() else []
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
