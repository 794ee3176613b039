"""Attribution that needs more than one finding: a file's findings together, or other files' modules.

These passes run after every file has been analysed (they are cheap and never cached):
- imports of the project's own provider-specific modules are imports of that provider's adapter
  (kind `import`, framework `first-party`): `from mem0.embeddings.azure_openai import
  AzureOpenAIEmbedding` uses Azure OpenAI as surely as importing `langchain_openai` uses OpenAI,
  also through a package that re-exports the class (`from mem0.embeddings import
  AzureOpenAIEmbedding`). Like every import it is evidence, never a call site: the provider
  module's own calls are the sites. Ordinary transitive use (`from .gateway import complete`,
  where the gateway calls OpenAI) is not an adapter: that is what the graph's reach is for. Nor is a package `__init__.py` that only re-exports such classes: it uses no
  provider itself, unless it imports an SDK of its own;
- a model name configured in a file that reaches its maker nowhere, but one hosting platform, is
  that platform's model (Claude settings in a Bedrock-only file are Bedrock);
- a plan B (a function an except handler calls) that is also an entry point, or is called from
  another module, runs in normal flow: its sites stay primary;
- a router model read from configuration without a default in sight reaches the provider the
  repository configures for that setting.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .discover import absolute_module
from .model import Finding
from .products import key_of, product
from .redact import redact
from .structure import MODULE_BODY

# Evidence that a module serves a provider (building its request types is provider-specific code too).
_SERVING_KINDS = ("import", "call", "adapter", "endpoint", "env_var", "type")


def attribute(results: list, catalogue, root: Path, scopes: dict) -> list:
    """Every finding of the scan, sorted, after both passes."""
    findings = provider_module_findings(results, catalogue, root, scopes)
    for result in results:
        findings += result.findings
    findings = normal_flow_sites(results, configured_models(findings))
    by_path: dict = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    attributed = []
    for group in by_path.values():
        for single_file_pass in (shared_variables, compatible_clients, hosted_models):
            group = single_file_pass(group, catalogue)
        attributed += group
    return sorted(attributed, key=lambda f: f.sort_key())


def configured_models(findings: list) -> list:
    """A router model read from configuration with no default in sight (`litellm.completion(
    model=settings.llm_model)`) reaches the provider the repository configures for it: the
    default kept under the same setting name in production code (`llm_model: str = "gpt-4o"` in a
    settings class, `add_argument("--llm-model", default=...)`), else the one provider all its
    configured model names name. When neither decides, the site is left out: its provider is
    unknown, and a guess would be counted as if it were known."""
    if not any(f.vendor == "" for f in findings):
        return findings
    configured = [f for f in findings if f.kind == "model_string" and f.feature == "config" and f.scope == "prod" and f.vendor]
    by_setting: dict = {}
    for finding in configured:
        by_setting.setdefault(_setting_key(finding.model_setting), set()).add(finding.vendor)
    anywhere = {f.vendor for f in configured}
    resolved = []
    for finding in findings:
        if finding.vendor == "":
            vendors = by_setting.get(_setting_key(finding.model_setting)) or anywhere
            if len(vendors) != 1:
                continue
            finding = replace(finding, vendor=next(iter(vendors)))
        resolved.append(finding)
    return resolved


def _setting_key(setting) -> str:
    """`settings.llm_model`, `config['llm_model']`, `LLM_MODEL`, `--llm-model` -> `llm_model`."""
    last = re.split(r"[.\[]", setting or "")[-1]
    return last.strip("'\"]-").replace("-", "_").lower()


def normal_flow_sites(results: list, findings: list) -> list:
    """A plan B that also runs in normal flow stays a primary site.

    The extractor marks the sites of a function an except handler calls as fallback targets,
    unless its own module calls that function elsewhere. Other modules are seen only here: a
    function that is itself an entry point (a route, a command, a task) or that another module
    calls serves users directly, so its sites count among the call sites they rely on.
    """
    if not any(f.fallback_target and f.function for f in findings):
        return findings
    modules = {r.path: r for r in results if r.skipped is None and r.structure is not None}
    called = set().union(*(product(r, "calls out", r.module, lambda r=r: _calls_out(r)) for r in modules.values()))
    # a plan B written in the handler (or the fallbacks= argument) of the function it protects is
    # one only there, however often that function runs: only a plan B function of its own can serve users
    protecting = {(f.path, f.function, v) for f in findings if f.has_fallback for v in f.fallback_to}
    return [replace(f, fallback_target=False) if f.fallback_target and (f.path, f.function, f.vendor) not in protecting
            and _runs_in_normal_flow(f, modules, called) else f for f in findings]


def _calls_out(result) -> frozenset:
    """The functions of other modules a module calls (a history keeps it with the unchanged file)."""
    return frozenset(target for info in result.structure.functions.values()
                     for target in info.calls if not target.startswith(result.module + "."))


def _runs_in_normal_flow(finding, modules: dict, called: set) -> bool:
    result = modules.get(finding.path)
    if result is None or not finding.function:
        return False
    entries = {e.function for e in result.structure.entries}
    return finding.function in entries or f"{result.module}.{finding.function}" in called


def hosted_models(findings: list, catalogue) -> list:
    """`claude-3-5-sonnet` configured in a file that only talks to Bedrock is a Bedrock model.

    A bare model name in configuration names its maker; when the file reaches no API of that
    maker but exactly one platform that hosts other makers' models (Bedrock, Azure OpenAI,
    Vertex), the platform is the provider that must be up. So does a hosted model's id that
    starts with its maker's name (`zai/GLM-5.2`, `mistralai/Mistral-7B-Instruct` on Together).
    """
    evidence = {f.vendor for f in findings if not (f.kind == "model_string" and f.feature == "config")}
    served = [v for v in evidence if v in catalogue.vendors and catalogue.vendors[v].kind != "gateway"]
    hosts = [v for v in served if catalogue.vendors[v].kind == "cloud_platform" or v in catalogue.hosts]
    # a maker's own prefix also runs at a provider that makes no models (Together, Fireworks, a local
    # server), when the file has a client of it: an endpoint given to a router routes by the prefix
    clients = {f.vendor for f in findings if f.kind in ("import", "call", "adapter")}
    runners = [v for v in served if (v in hosts or v not in catalogue.makers) and v in clients]
    moved = []
    for f in findings:
        if f.vendor not in evidence and _bare_config_model(f) and len(hosts) == 1:
            f = replace(f, vendor=hosts[0])
        elif f.vendor not in evidence and _maker_config_model(f, catalogue) and len(runners) == 1:
            f = replace(f, vendor=runners[0])
        moved.append(f)
    return moved


def _maker_config_model(finding, catalogue) -> bool:
    """A configured `maker/model` id whose prefix names a maker that hosts no one else's models."""
    return (finding.kind == "model_string" and finding.feature == "config" and "/" in finding.detail
            and finding.vendor in catalogue.makers and finding.vendor not in catalogue.hosts)


def _bare_config_model(finding) -> bool:
    """A model name without a provider prefix: `claude-3-5-sonnet`, not `openrouter/anthropic/...`."""
    return (finding.kind == "model_string" and finding.feature == "config"
            and "/" not in finding.detail and not re.match(r"^[A-Za-z0-9_.\-]+:[A-Za-z]", finding.detail))


def compatible_clients(findings: list, catalogue) -> list:
    """The openai SDK used only as the client of another provider's OpenAI-compatible API.

    `AsyncOpenAI(base_url=self.base_url)` in a module whose only endpoint and credential are
    DeepSeek's reaches DeepSeek: when nothing in the file is OpenAI's own (its endpoint, its
    variables, its models routed by prefix, its adapters) and exactly one other provider is named
    by endpoint or variable without an SDK of its own there, the client's findings belong to that provider. The
    project's own OpenAI-compatible wrapper, subclassed and pointed at another provider, is the
    same SDK one step removed.
    """
    sdk = [f for f in findings if f.vendor == "openai" and (f.kind in ("import", "call", "type") and not _adapter_import(f) or _first_party(f))]
    own = [f for f in findings if f.vendor == "openai" and f.kind not in ("lifecycle", "legacy_api") and f not in sdk
           and not _bare_config_model(f)]  # `gpt-oss-120b` as a setting: hosted_models decides where it runs
    if own or not sdk:
        return findings
    with_sdk = {f.vendor for f in findings if f.kind in ("import", "call") and not _adapter_import(f)}
    named = {f.vendor for f in findings if f.kind in ("endpoint", "env_var") and f.vendor not in with_sdk}
    if len(named) != 1:
        return findings
    target = named.pop()
    return [replace(f, vendor=target) if f in sdk else f for f in findings]


def _first_party(finding) -> bool:
    """An import of the project's own provider module (provider_module_findings)."""
    return finding.kind == "import" and finding.framework == "first-party"


def _adapter_import(finding) -> bool:
    """An import of a framework's adapter class or package, or of the project's own provider module."""
    return finding.kind == "import" and finding.framework is not None


def shared_variables(findings: list, catalogue) -> list:
    """`GOOGLE_API_KEY` alone is as likely Custom Search as Gemini: shared variables count only
    beside other evidence of the same vendor."""
    others = {f.vendor for f in findings if not (f.kind == "env_var" and f.detail in catalogue.shared_env_vars)}
    return [f for f in findings if not (f.kind == "env_var" and f.detail in catalogue.shared_env_vars and f.vendor not in others)]


def provider_module_findings(results: list, catalogue, root: Path, scopes: dict) -> list:
    """Import findings (framework `first-party`) for imports of first-party modules that serve
    exactly one provider: one per imported name, and none for a name the catalogue already knows
    (`from browser_use import ChatOpenAI` inside browser-use is the rules' adapter import).

    A file's findings depend on its own imports and on what the modules it may name offer (which
    exist, which provider each serves, what a package re-exports): they are kept with its result
    (products.py) while all of that stays the same, as is the provider each module serves."""
    modules = {r.module: r for r in results if r.skipped is None and r.module}
    served = {name: product(result, "served vendor", catalogue.version, lambda: _served_vendor(result, catalogue))
              for name, result in modules.items()}
    offered = key_of([catalogue.version, str(root)] + [_offer(name, result, served[name]) for name, result in sorted(modules.items())])
    found = []
    for result in results:
        found += product(result, "provider module findings", (offered, scopes.get(result.path)),
                         lambda: _module_findings(result, modules, served, root, scopes, catalogue))
    return found


def _offer(name: str, result, vendor) -> str:
    """What a module offers to the files importing it, as provider_module_findings reads it."""
    return product(result, "offer", vendor, lambda: repr((name, vendor, result.path.endswith("__init__.py") and result.imports)))


def _module_findings(result, modules: dict, served: dict, root: Path, scopes: dict, catalogue) -> list:
    if result.skipped is not None or result.path.endswith(".ipynb") or _reexports_only(result):
        return []
    found = []
    package = result.module if result.path.endswith("__init__.py") else result.module.rpartition(".")[0]
    known = {(f.line, f.detail) for f in result.findings if f.kind == "import"}
    for module, level, names, line, type_only in result.imports:
        base = absolute_module(module, level, package)
        if base is None:
            continue
        for name in [n for n in names if n != "*"] or [None]:
            imported = f"{base}.{name}" if name else base
            if (line, imported) in known:
                continue
            for target in _targets(module, level, (name,) if name else (), package, modules):
                vendor = served.get(target)
                if vendor and target != result.module:
                    found.append(_finding(result, imported, vendor, line, type_only, root, scopes[result.path], catalogue))
                    break
    return found


def _served_vendor(result, catalogue):
    """The one provider a module exists for: the provider of its own evidence that its name names
    most precisely. A module that only imports an SDK (to re-export its types) serves nothing, nor does a
    variable other services share (`GOOGLE_API_KEY` of a Google Maps tool)."""
    evidence = [f for f in result.findings if f.kind in _SERVING_KINDS and not f.type_only
                and not (f.kind == "env_var" and f.detail in catalogue.shared_env_vars)]
    if all(f.kind == "import" and f.framework is None for f in evidence):
        return None
    parts = set(result.module.split("."))
    named = {}  # vendor -> length of the longest of its names the module's name carries
    for vendor in {f.vendor for f in evidence}:
        lengths = [len(alias) for alias in _aliases(vendor, catalogue) for part in parts if _names(part, alias)]
        if lengths:
            named[vendor] = max(lengths)
    best = sorted(named, key=lambda v: -named[v])
    if not best or len(best) > 1 and named[best[0]] == named[best[1]]:
        return None
    return best[0]  # `embedder/azure_openai.py` serves Azure OpenAI, though it imports openai's AsyncOpenAI too


def _aliases(vendor: str, catalogue) -> set:
    aliases = {vendor, vendor.replace("_", "")}
    aliases.update(prefix.replace("-", "_") for prefix, owner in catalogue.model_prefixes.items() if owner == vendor)
    aliases.update(root.split(".")[-1] for root, owner in catalogue.sdk_roots.items() if owner == vendor)
    return {a for a in aliases if len(a) >= 3}


def _names(part: str, alias: str) -> bool:
    return part == alias or part.startswith(alias + "_") or part.endswith("_" + alias)


def _reexports_only(result) -> bool:
    """A package `__init__.py` that defines nothing and has no SDK evidence of its own."""
    if not result.path.endswith("__init__.py") or result.structure is None:
        return False
    if any(name not in _PACKAGE_HOOKS for name in result.structure.functions):
        return False
    return not any(f.kind in ("import", "call", "adapter") and not f.type_only for f in result.findings)


_PACKAGE_HOOKS = {MODULE_BODY, "__getattr__", "__dir__"}  # a package's lazy re-export machinery


def _targets(module: str, level: int, names: tuple, package: str, modules: dict) -> list:
    """The project's modules an import names: a submodule, the module, and the module a package
    re-exports a name from (`from pkg import Cls` where pkg/__init__ has `from .impl import Cls`)."""
    base = absolute_module(module, level, package)
    if base is None:
        return []
    candidates = [f"{base}.{n}" for n in names if n != "*"]
    if base in modules and modules[base].path.endswith("__init__.py"):
        candidates += [source for n in names if n != "*" for source in _reexported_from(modules[base], base, n)]
    candidates.append(base)
    return [c for c in candidates if c in modules]


def _reexported_from(package_result, package: str, name: str) -> list:
    found = []
    for module, level, names, _, _ in package_result.imports:
        if name in names:
            source = absolute_module(module, level, package)
            if source:
                found += [f"{source}.{name}", source]
    return found


def _finding(result, imported: str, vendor: str, line: int, type_only: bool, root: Path, scope: str, catalogue) -> Finding:
    return Finding(
        vendor=vendor, kind="import", path=result.path, line=line, column=0,
        snippet=redact(_line(root, result.path, line), catalogue),
        detail=imported, framework="first-party", type_only=type_only, scope=scope,
    )


def _line(root: Path, relpath: str, line: int) -> str:
    path = root / relpath if root.is_dir() else root
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return re.sub(r"\s+", " ", text.strip())[:240]
    except OSError:
        pass
    return ""
