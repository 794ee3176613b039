"""Learn rule files from distributions: analyse them together, decide each public symbol, one file each."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Optional

from .. import __version__
from ..api import ScanOptions, collecting_less
from ..errors import UsageError
from ..ruleset import Catalogue
from . import sources
from .analysis import analyse_distributions, module_name
from .reach import Reach
from .rules import LearnedFile, LearnedSymbol
from .venv import site_packages_of


def learn(distributions: list, catalogue: Catalogue, options: Optional[ScanOptions] = None,
          today: Optional[date] = None) -> list:
    """One LearnedFile per distribution (vendor SDKs themselves are left out: they are the vendor)."""
    with collecting_less():
        wanted, reach = analysed(distributions, catalogue, options)
        return learned_files(wanted, reach, today)


def analysed(distributions: list, catalogue: Catalogue, options: Optional[ScanOptions] = None) -> tuple:
    """(the distributions to learn, the Reach of their code analysed together)."""
    wanted = [d for d in distributions if not is_vendor_sdk(d, catalogue) and d.files]
    analysis = analyse_distributions(wanted, catalogue, options or ScanOptions(exposure=False))
    return wanted, Reach(analysis, catalogue)


def learned_files(distributions: list, reach: Reach, today: Optional[date] = None) -> list:
    return [_learn_one(d, reach, today or date.today()) for d in distributions]


def is_vendor_sdk(distribution, catalogue: Catalogue) -> bool:
    """A vendor's own SDK (`openai`, `anthropic`): its code is the vendor, not an adapter to learn."""
    names = {sources.normalise(n) for rule in catalogue.vendors.values() for n in rule.distributions}
    roots = set(catalogue.sdk_roots) | set(catalogue.conditional_roots)
    return distribution.id in names or bool(sources.top_level_modules(distribution) & roots)


def _learn_one(distribution, reach: Reach, today: date) -> LearnedFile:
    modules = sorted({module_name(f) for f in distribution.files} & reach.live_modules())
    symbols = []
    for node, qualnames in sorted(reach.public_symbols(modules).items()):
        decision = reach.decide(node)
        if decision is not None:
            defined_as = "class" if reach._is_class(node) else "function"
            symbols.append(LearnedSymbol(qualnames, decision.kind, defined_as, decision.vendor, decision.features,
                                         decision.fallback_to, decision.model_args, decision.evidence))
    return LearnedFile(distribution.id, distribution.name, distribution.version, distribution.content_hash,
                       today.isoformat(), distribution.source, __version__, symbols, sources.packages(distribution))


@contextmanager
def resolved(targets, python: Optional[Path] = None, site_packages: Optional[Path] = None):
    """The distributions `riskscan learn` was pointed at; archives are unpacked into a temporary folder."""
    env = site_packages_of(python) if python else (Path(site_packages) if site_packages else None)
    with tempfile.TemporaryDirectory(prefix="riskscan-learn-") as workdir:
        found = []
        for target in targets:
            path = Path(target)
            if path.is_dir():
                found.append(sources.from_folder(path))
            elif path.name.endswith(sources.ARCHIVE_SUFFIXES):
                found.append(sources.from_archive(path, Path(workdir)))
            elif env is not None:
                found.append(sources.find_installed(env, str(target)))
            else:
                raise UsageError(f"{target}: no such folder or archive; to learn an installed distribution, "
                                 "name its environment with --python or --site-packages")
        if not targets:
            if env is None:
                raise UsageError("nothing to learn: give a folder, a wheel or sdist, or --python / --site-packages")
            found = sources.installed(env)
        yield found
