"""Run the scan engine over distributions: the per-file analysis and the cross-file attribution
passes, under module names taken from the import root (site-packages has namespace packages,
`llama_index/llms/openai/`, that a folder walk cannot name)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..api import ScanOptions, analyse
from ..attribution import attribute
from ..discover import SourceFile, dotted_module as module_name
from ..ruleset import Catalogue
from .sources import Distribution, top_level_modules


@dataclass
class Analysis:
    """The engine's view of the distributions being learned: one FileResult per module, and findings."""

    results: dict  # module name -> FileResult
    findings: list  # every finding, with `path` relative to its distribution's import root
    owner: dict  # module name -> Distribution


def analyse_distributions(distributions: list, catalogue: Catalogue, options: ScanOptions) -> Analysis:
    """Analyse every file of `distributions` with a catalogue that knows nothing of them, so what
    is learned comes from their code, never from the hand-written rules about them."""
    modules = {module_name(f): d for d in distributions for f in d.files}
    learning = _without_rules_about(catalogue, set(modules))
    first_party = frozenset().union(*(top_level_modules(d) for d in distributions)) if distributions else frozenset()
    analysis = Analysis({}, [], {})
    for root in sorted({d.root for d in distributions}):
        files, names = [], {}
        for distribution in (d for d in distributions if d.root == root):
            for relpath in distribution.files:
                files.append(SourceFile(root / relpath, relpath, "prod"))
                names[relpath] = module_name(relpath)
        results = analyse(files, learning, first_party, options, names)
        analysis.findings += attribute(results, learning, root, {f.relpath: "prod" for f in files})
        for result in results:
            if result.skipped is None:
                analysis.results[result.module] = result
                analysis.owner[result.module] = modules[result.module]
    return analysis


def _without_rules_about(catalogue: Catalogue, modules: set) -> Catalogue:
    """The catalogue minus the adapters, adapter roots and routers defined inside `modules`."""
    def owned(qualname: str) -> bool:
        parts = qualname.replace("()", "").split(".")
        return any(".".join(parts[:size]) in modules for size in range(1, len(parts) + 1))

    return replace(
        catalogue,
        entries={k: v for k, v in catalogue.entries.items() if not owned(k)},
        adapter_roots={k: v for k, v in catalogue.adapter_roots.items() if not owned(k)},
        router_callables={k: v for k, v in catalogue.router_callables.items() if not owned(k)},
        version=f"learn:{catalogue.version}", _by_name=None,
    )
