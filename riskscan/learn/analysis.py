"""Run the scan engine over distributions: the per-file analysis and the cross-file attribution
passes, under module names taken from the import root (site-packages has namespace packages,
`llama_index/llms/openai/`, that a folder walk cannot name)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..api import ScanOptions, analyse
from ..attribution import attribute
from ..discover import SourceFile, dotted_module as module_name
from ..extract.calls import _owner as top_level_owner
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
        found = attribute(results, learning, root, {f.relpath: "prod" for f in files})
        analysis.findings += _named_by_another_class(found, results)
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
        version=f"learn:{catalogue.version}", _by_name=None, _by_method=None,
    )


def _named_by_another_class(findings: list, results: list) -> list:
    """Undo the scan's file-wide move of an SDK's findings where only another class names the provider.

    A scan gives a file's OpenAI-SDK findings to the one other provider the file names by endpoint
    or credential (attribution.compatible_clients). Learning decides class by class: a finding moved
    on the evidence of other classes of the file only (`AzureOpenAIResponsesLlm` reads
    `AZURE_OPENAI_API_KEY` beside the `OpenAIResponsesLlm` it extends) keeps its SDK's provider;
    reach.py moves the calls of a class whose own code names the provider.
    """
    original = {_key(f): f.vendor for r in results for f in r.findings}
    classes = {r.path: {q for q, info in r.structure.functions.items() if info.is_class and "." not in q}
               for r in results if r.structure is not None}
    named: dict = {}  # (path, provider) -> top-level owners of the endpoints and variables naming it
    for f in findings:
        if f.kind in ("endpoint", "env_var") and f.vendor:
            named.setdefault((f.path, f.vendor), set()).add(top_level_owner(f.function))
    kept = []
    for f in findings:
        before = original.get(_key(f), f.vendor)
        owners = named.get((f.path, f.vendor), set())
        moved_by_others = before != f.vendor and owners and owners <= classes.get(f.path, set()) - {top_level_owner(f.function)}
        kept.append(replace(f, vendor=before) if moved_by_others else f)
    return kept


def _key(finding) -> tuple:
    return finding.path, finding.line, finding.column, finding.kind, finding.detail
