"""Configuration-time switches: registries, factories, settings branches and router model settings that choose among AI providers.

A provider picked from a registry (`{"openai": OpenAILLM, "anthropic": AnthropicLLM}`), a
factory or an `if settings.provider == "ollama":` branch can be replaced without a code change:
a plan B of its own kind (DOMAIN.md 5.1). The per-file facts come from the structure walk
(switch_facts.py); here each option is followed, over the whole repository, to the call sites
it runs (the findings on its own lines, and those of the classes and functions it names, with
their calls), and a switch counts when its options reach two or more providers. A router model
read from configuration is a switch by itself: the router implements the other providers.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from .score import ANY_PROVIDER, UNRESOLVED

_FOLLOW_DEPTH = 3  # calls followed from an option's class or function to the code that calls the provider
_EVIDENCE_KINDS = ("call", "adapter", "model_string")  # on an option's own lines: naming a provider's class is enough


@dataclass(frozen=True)
class Switch:
    """One switch point and what each of its options runs."""

    path: str
    line: int
    kind: str  # "registry", "branch", "decorator" (classes registered under a name) or "setting" (a router model read from configuration)
    owner: str  # function or class holding it
    options: tuple  # (label, vendors tuple), in source order
    vendors: tuple  # distinct providers across the options
    sites: tuple  # finding indices of the call sites its options run

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Switches:
    """The switches found, and for each production call site the providers it can be switched to."""

    points: list = field(default_factory=list)
    switchable_to: dict = field(default_factory=dict)  # finding index -> other vendor ids
    by_site: dict = field(default_factory=dict)  # finding index -> the Switch that governs it

    def of(self, index: int) -> tuple:
        return self.switchable_to.get(index, ())


def find_switches(report, repo, scopes=None) -> Switches:
    """Switch points in production code whose options reach two or more providers."""
    found = Switches()
    if repo is None or repo.calls is None:
        return found
    index = _FindingIndex(report.findings)
    registered: dict = {}  # decorator -> [(module, path, fact)]: one registry's options over many files
    for name, result in sorted(repo.calls.modules.items()):
        if result.structure is None or (scopes or {}).get(result.path, "prod") != "prod":
            continue
        for fact in result.structure.switches:
            if fact.kind == "decorator":
                registered.setdefault(fact.owner, []).append((name, result.path, fact))
                continue
            found.points.append(_switch(fact, name, result.path, repo.calls, index, report.findings))
    for facts in registered.values():
        name, path, first = facts[0]
        joined = replace(first, options=tuple(option for *_, fact in facts for option in fact.options))
        found.points.append(_switch(joined, name, path, repo.calls, index, report.findings))
    found.points = [switch for switch in found.points if switch is not None] + setting_switches(report.findings) \
        + branch_switches(report.findings)
    for switch in found.points:
        _credit(found, switch, report.findings)
    return found


# Evidence that the repository itself names a provider, so that a setting could select it.
_NAMING_KINDS = ("import", "call", "adapter", "model_string", "endpoint", "env_var")


def setting_switches(findings: list) -> list:
    """A router model read from configuration (`litellm.completion(model=os.getenv("LLM_MODEL",
    "gpt-4o"))`, `init_chat_model(settings.model)`): the setting chooses the provider among all the
    router supports, without a code change. The alternatives named are the other providers the
    repository names in production code (a model, a credential, an endpoint, an SDK); when it names
    none, the switch can still select any provider the router supports (ANY_PROVIDER). One
    switch per setting and file."""
    grouped: dict = {}
    for index, finding in enumerate(findings):
        if finding.model_setting and finding.is_call_site and finding.scope == "prod":
            grouped.setdefault((finding.path, finding.model_setting), []).append(index)
    if not grouped:
        return []
    named = {f.vendor for f in findings if f.scope == "prod" and not f.type_only and f.kind in _NAMING_KINDS} - {UNRESOLVED, ""}
    points = []
    for (path, setting), sites in sorted(grouped.items()):
        first = findings[sites[0]]
        chosen = tuple(sorted({findings[i].vendor for i in sites}))
        others = tuple(sorted(named - set(chosen))) or (ANY_PROVIDER,)
        points.append(Switch(path, first.line, "setting", first.function or "<module>",
                             ((setting, chosen), ("another provider", others)), tuple(sorted(set(chosen) | set(others))), tuple(sites)))
    return points


def branch_switches(findings: list) -> list:
    """A request on a client whose name an if/else rebinds to another provider's client
    (`client = OpenAI()`, then `if os.getenv("USE_AZURE"): client = AzureOpenAI(...)`): the branch
    taken by default keeps the site, the others can be selected by configuration
    (extract/branches.py). One switch per call site, where the request is made."""
    return [Switch(f.path, f.line, "branch", f.function or "<module>",
                   (("default", (f.vendor,)), ("another branch", f.branch_alternatives)),
                   tuple(sorted({f.vendor, *f.branch_alternatives})), (index,))
            for index, f in enumerate(findings) if f.branch_alternatives and f.is_call_site and f.scope == "prod"]


def _switch(fact, module: str, path: str, calls, index: "_FindingIndex", findings: list):
    options, sites = [], set()
    holder = ("function", module, fact.owner)  # an option calling back into it runs the switch again: no choice
    for option in fact.options:
        governed = index.on_lines(path, option.start, option.end)
        governed |= _followed(option.refs, calls, index, holder)
        vendors = {findings[i].vendor for i in governed} - {UNRESOLVED}
        options.append((option.label, tuple(sorted(vendors)), frozenset(governed)))
    vendors = sorted({v for _, option_vendors, _ in options for v in option_vendors})
    if len(vendors) < 2 or len({v for _, v, _ in options if v}) < 2:
        return None  # a switch picks one provider over another: options that all run the same ones pick none
    sites = sorted({i for *_, governed in options for i in governed if findings[i].is_call_site})
    return Switch(path, fact.line, fact.kind, fact.owner, tuple((label, v) for label, v, _ in options if v),
                  tuple(vendors), tuple(sites))


def _credit(found: Switches, switch: Switch, findings: list) -> None:
    """Each site the switch governs can move to the providers of the switch's other options."""
    for site in switch.sites:
        vendor = findings[site].vendor
        others = {v for label, vendors in switch.options for v in vendors if vendor not in vendors}
        if others:
            found.switchable_to[site] = tuple(sorted(set(found.switchable_to.get(site, ())) | others))
            found.by_site.setdefault(site, switch)


def _followed(refs: tuple, calls, index: "_FindingIndex", holder: tuple = ()) -> set:
    """Findings in the functions and classes the option names, and in what they call (a few
    levels), never through `holder`, the function that holds the switch."""
    governed = set()
    for ref in refs:
        node = calls.resolver.resolve(ref)
        if node is None or node == holder:
            continue
        if node[0] == "module":
            if ref.replace("()", "") == node[1]:
                governed |= index.in_module(calls.modules[node[1]].path)
            continue
        for function in _reachable(node, calls, holder):
            governed |= index.in_function(calls.modules[function[1]].path, function[2])
    return governed


def _reachable(start: tuple, calls, holder: tuple = ()) -> set:
    """A class counts with its methods; then resolved calls, breadth first, a few levels deep."""
    structure = calls.modules[start[1]].structure
    seen = {start} | {("function", start[1], q) for q in structure.functions if q.startswith(start[2] + ".")}
    queue = deque((node, 0) for node in seen)
    while queue:
        node, depth = queue.popleft()
        if depth >= _FOLLOW_DEPTH:
            continue
        for target in calls.of(node):
            if target[0] == "function" and target not in seen and target != holder:
                seen.add(target)
                queue.append((target, depth + 1))
    return seen


def _evidence(finding) -> bool:
    """A use of a provider an option can show: a site, or the import of an adapter class or of
    the project's own provider module (`if name == "openai": from .openai_llm import OpenAILLM`)."""
    return finding.kind in _EVIDENCE_KINDS or finding.kind == "import" and finding.framework is not None


class _FindingIndex:
    """Findings that show a provider is used, by file, by function and by line."""

    def __init__(self, findings: list):
        self.by_path: dict = {}
        for i, finding in enumerate(findings):
            if _evidence(finding) and not finding.type_only and finding.service is None:
                self.by_path.setdefault(finding.path, []).append(i)
        self.findings = findings

    def on_lines(self, path: str, start: int, end: int) -> set:
        return {i for i in self.by_path.get(path, ()) if start <= self.findings[i].line <= end}

    def in_function(self, path: str, qualname: str) -> set:
        if qualname == "<module>":
            return {i for i in self.by_path.get(path, ()) if not self.findings[i].function}
        return {i for i in self.by_path.get(path, ())
                if (self.findings[i].function or "") == qualname or (self.findings[i].function or "").startswith(qualname + ".")}

    def in_module(self, path: str) -> set:
        return set(self.by_path.get(path, ()))
