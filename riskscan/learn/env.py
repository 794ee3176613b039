"""`--learn-from-env`: learn the installed distributions a scanned project imports, cached by content hash.

The learned files live in the user cache folder (`<cache>/learned/`), never in the scanned tree,
one per distribution and content: `<key>/<id>.toml`, or `<key>/<id>.none` for a distribution that
reaches no vendor. A scan loads the learned files of every distribution of the environment whose
content is already learned (a rule only matters where the code uses its names), then looks at what
the project imports: a distribution it imports that was never learned is learned now and the scan
runs again. The next scan finds everything in the cache and runs once: its extra cost is reading
each distribution's RECORD to know its content has not changed, and the run memo answers a scan
whose tree, environment and learned files are all as before (venv.py: `memo_input`).
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..options import ScanOptions
from . import sources
from .venv import site_packages_for

_FORMAT = 1  # bump when what is learned from the same code changes


class LearnedEnvironment:
    """The learned rule files of one environment's distributions, in the cache folder."""

    def __init__(self, env: Path, cache_dir: Path):
        self.site_packages = site_packages_for(env)
        self.folder = Path(cache_dir) / "learned"
        self.keys = {info: _key(info) for info in sorted(self.site_packages.glob("*.dist-info"))}

    def rule_files(self) -> list:
        """The learned files of the distributions whose current content was learned before."""
        return [path for path in (self._path(info, ".toml") for info in self.keys) if path.is_file()]

    def unlearned(self, imported: set) -> list:
        """Installed distributions providing one of the `imported` top-level modules, never learned."""
        wanted = []
        for info, key in self.keys.items():
            if key is None or self._path(info, ".toml").is_file() or self._path(info, ".none").is_file():
                continue
            if self._top_levels(info) & imported:
                wanted.append(info)
        return wanted

    def learn(self, infos: list, catalogue, options: ScanOptions) -> None:
        """Learn these distributions together (one may reach a vendor through another) and cache each."""
        from .learner import learn

        found = {info: sources.from_dist_info(info, self.site_packages) for info in infos}
        distributions = [d for d in found.values() if d is not None]
        learned = {f.id: f for f in learn(distributions, catalogue, replace(options, cache_dir=None, progress=None))}
        for info, distribution in found.items():
            self._path(info, "").parent.mkdir(parents=True, exist_ok=True)
            rule_file = learned.get(distribution.id) if distribution is not None else None
            if rule_file is not None and rule_file.symbols:
                self._path(info, ".toml").write_text(rule_file.render(), encoding="utf-8")
            else:
                self._path(info, ".none").write_text("", encoding="utf-8")

    def _path(self, info: Path, suffix: str) -> Path:
        """`<cache>/learned/<key>/<id>.toml`: the file stem is the rule file's id, as in any rules folder."""
        return self.folder / self.keys[info] / f"{sources.normalise(info.name.split('-')[0])}{suffix}"

    def _top_levels(self, info: Path) -> set:
        try:
            text = (info / "top_level.txt").read_text(encoding="utf-8", errors="replace")
            return {line.strip() for line in text.splitlines() if line.strip()}
        except OSError:
            distribution = sources.from_dist_info(info, self.site_packages)
            return set(sources.top_level_modules(distribution)) if distribution else set()


def _key(info: Path):
    """Content key of an installed distribution: its RECORD (every file's hash) and what learns it."""
    try:
        record = (info / "RECORD").read_bytes()
    except OSError:
        return None
    return hashlib.sha256(record + f"\0{__version__}\0{_FORMAT}".encode()).hexdigest()[:24]


def imported_roots(report) -> set:
    """Top-level modules the project imports that it does not define itself and Python does not ship."""
    results = report.results
    own = {r.module.split(".")[0] for r in results if r.module}
    roots = {module.split(".")[0] for r in results for module, level, *_ in r.imports if module and not level}
    return roots - own - set(sys.stdlib_module_names)


def scan_with_environment(path, options: ScanOptions, env: Path, cache_dir: Path):
    """A scan that also uses what the project's imported distributions were learned to reach."""
    from ..api import scan  # the pipeline: a scan the run memo answers never imports it
    from ..ruleset import load_catalogue

    environment = LearnedEnvironment(env, cache_dir)
    base = tuple(options.rule_dirs)
    report = scan(path, replace(options, rule_dirs=base + tuple(environment.rule_files())))
    missing = environment.unlearned(imported_roots(report))
    if not missing:
        return report
    environment.learn(missing, load_catalogue(base), replace(options, exposure=False))
    return scan(path, replace(options, rule_dirs=base + tuple(environment.rule_files())))

