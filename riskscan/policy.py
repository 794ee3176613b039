"""Policy: what `[tool.riskscan.policy]` allows, and the violations (RS codes) a report has against it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Optional

from . import retirement_words as words
from .checks import BY_CODE
from .config import Config, check_known
from .model import SITE_KINDS as ROUTED_KINDS  # what runs when a request is made
from .render import finding_message, vendor_name

DIRECT_KINDS = ("import", "call", "adapter", "endpoint", "model_string")
USE_KINDS = DIRECT_KINDS + ("env_var", "manifest")  # evidence that a provider is used (not derived findings)
SNIPPET_LIMIT = 240  # extract.py keeps this much of a line; longer lines are read again for suppressions


@dataclass(frozen=True)
class Policy:
    """The rules a repository sets for itself. Without a configuration only RS301 and RS302 are on."""

    allowed_providers: tuple = ()
    denied_providers: tuple = ()
    gateway_modules: tuple = ()
    require_fallback: bool = False
    max_hhi: Optional[float] = None
    max_blast_radius: Optional[float] = None
    no_secrets: bool = True
    no_retired_models: bool = True
    scopes: tuple = ("prod",)

    @classmethod
    def from_config(cls, config: Config) -> "Policy":
        data = config.data.get("policy", {})
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    @property
    def needs_scores(self) -> bool:
        """Only the repository-wide limits need the graph and the scores; the rest read findings."""
        return self.max_hhi is not None or self.max_blast_radius is not None

    def settings(self) -> dict:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in vars(self).items()}

    def validate(self, config: Config, catalogue) -> None:
        """Provider ids must exist in the catalogue: a typo would silently allow everything."""
        for key in ("allowed_providers", "denied_providers"):
            check_known(config, f"policy.{key}", getattr(self, key), set(catalogue.vendors))


@dataclass(frozen=True)
class Violation:
    """One breach of the policy, where it is, and what identifies it across edits (no line numbers)."""

    code: str
    message: str
    path: str = ""
    line: int = 0
    column: int = 0
    cell: Optional[int] = None
    vendor: str = ""
    identity: tuple = ()
    evidence: tuple = ()  # (path, line) pairs the violation rests on
    snippet: str = ""

    @property
    def slug(self) -> str:
        return BY_CODE[self.code].slug

    def touches(self, paths) -> bool:
        return self.path in paths or any(path in paths for path, _ in self.evidence)

    def focus(self, paths) -> "Violation":
        """A repository-wide violation shown at its first evidence inside `paths` (the files asked about)."""
        if self.path in paths:
            return self
        inside = [(path, line) for path, line in self.evidence if path in paths]
        return replace(self, path=inside[0][0], line=inside[0][1], column=0) if inside else self

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code, self.identity)


def evaluate(report, policy: Policy, retired: Optional[Callable] = None) -> list:
    """Every violation of `policy` in `report`, sorted; `retired(finding)` -> the lifecycle facts
    (`retire_date`, `date_kind`) of a confirmed past date, or None (RS302; lifecycle.retired_lookup)."""
    modules = {r.path: r.module for r in report.results}
    best: dict = {}
    for finding in report.findings:
        for code, args in _finding_checks(finding, policy, modules, retired):
            # one violation per code, line and vendor: `OpenAI(base_url=...).chat.completions.create(...)`
            # is one breach, reported through its most telling finding (the call, not the constructor)
            key = (code, finding.path, finding.cell, finding.line, finding.vendor)
            if key not in best or _telling(finding) < _telling(best[key][0]):
                best[key] = (finding, args)
    found = [_violation(code, finding, report.vendors, args) for (code, *_), (finding, args) in best.items()]
    found += _score_violations(report, policy)
    return sorted(found, key=Violation.sort_key)


def _finding_checks(finding, policy: Policy, modules: dict, retired):
    """(code, template arguments) for each check this one finding fails."""
    if finding.kind == "secret":
        if policy.no_secrets:
            yield "RS301", {}
        return
    if finding.scope not in policy.scopes or finding.type_only or _first_party(finding):
        return  # a wrapper module's importers: the wrapper's own use is what the policy judges
    if policy.gateway_modules and _direct(finding) and not in_gateway(finding.path, modules.get(finding.path, ""), policy.gateway_modules):
        yield "RS101", {"gateways": ", ".join(policy.gateway_modules)}
    if finding.kind in USE_KINDS and finding.vendor in policy.denied_providers:
        yield "RS103", {}
    elif finding.kind in USE_KINDS and policy.allowed_providers and finding.vendor not in policy.allowed_providers:
        yield "RS102", {"allowed": ", ".join(policy.allowed_providers)}
    if policy.require_fallback and is_unprotected_site(finding):
        yield "RS201", {}
    if policy.no_retired_models and retired is not None and finding.kind in ROUTED_KINDS:
        facts = retired(finding)
        if facts is not None:
            yield "RS302", {"fate": _fate(facts), "model": getattr(finding, "model", None) or finding.detail}


def _fate(facts: dict) -> str:
    """What happened to the model, in retirement_words' one vocabulary: only confirmed dates reach
    here (retired_lookup), and an earliest date that has passed "may already" be off."""
    when = facts.get("retire_date")
    if not when:
        return "was switched off"
    return words.fate("retired", str(when), str(facts.get("date_kind") or "exact"), True)


def _telling(finding) -> int:
    """Lower is more telling: a call says more than the endpoint, the client or the import behind it."""
    if finding.kind in ROUTED_KINDS and finding.feature != "client":
        return 0
    return {"endpoint": 1, "call": 2, "import": 3}.get(finding.kind, 4)


def _direct(finding) -> bool:
    """Own use of a provider, not a model name in settings."""
    return finding.kind in DIRECT_KINDS and not (finding.kind == "model_string" and finding.feature == "config")


def _first_party(finding) -> bool:
    """An import of a first-party module that serves one provider (attribution.py): the module itself is checked."""
    return finding.kind == "import" and finding.framework == "first-party"


def is_unprotected_site(finding) -> bool:
    """A primary call site with no fallback; client constructors and model settings are not sites."""
    return finding.is_call_site and not finding.has_fallback and not finding.fallback_target


def in_gateway(path: str, module: str, globs) -> bool:
    """A glob names a path (`app/llm/**`), a folder (`app/llm`) or a dotted module (`app.llm`, `app.llm.*`)."""
    for glob in globs:
        folder = glob.rstrip("/")
        if fnmatchcase(path, glob) or path.startswith(folder + "/"):
            return True
        if module and (fnmatchcase(module, glob) or module == glob or module.startswith(glob + ".")):
            return True
    return False


def _violation(code: str, finding, vendors: dict, args: dict) -> Violation:
    check = BY_CODE[code]
    message = check.template.format(use=finding_message(finding, vendors), vendor_name=vendor_name(finding.vendor, vendors),
                                    detail=finding.detail, **args)
    identity = (finding.path, finding.vendor, finding.kind, finding.detail, finding.function or "")
    return Violation(code, message, finding.path, finding.line, finding.column, finding.cell, finding.vendor,
                     identity, ((finding.path, finding.line),), finding.snippet)


# ------------------------------------------------------------------ repository-wide limits
def _score_violations(report, policy: Policy) -> list:
    exposure = report.exposure
    if exposure is None or not policy.needs_scores:
        return []
    scores, found = exposure.scores, []
    ranked = sorted((v for v in scores.vendors.values() if v.vendor in report.vendors), key=lambda v: (-v.share, v.vendor))
    if policy.max_hhi is not None and scores.concentration_hhi > policy.max_hhi and ranked:
        top = ranked[0]
        found.append(_repo_violation("RS202", report, top.vendor, _sites(exposure, top.vendor), (),
                                     hhi=scores.concentration_hhi, limit=policy.max_hhi, share=top.share))
    for vendor in sorted(ranked, key=lambda v: v.vendor):
        if policy.max_blast_radius is not None and vendor.blast_radius is not None and vendor.blast_radius > policy.max_blast_radius:
            found.append(_repo_violation("RS203", report, vendor.vendor, _sites(exposure, vendor.vendor, unprotected=True),
                                         (vendor.vendor,), radius=vendor.blast_radius, limit=policy.max_blast_radius))
    return found


def unjudged(report, policy: Policy) -> list:
    """Why a repository-wide limit could not be checked: RS203 needs entry-point reach, which an
    unresolved trace or a library does not give. Said, never passed silently."""
    exposure = report.exposure
    if exposure is None or policy.max_blast_radius is None or exposure.scores.blast_radius_max is not None:
        return []
    scores = exposure.scores
    why = "; ".join(scores.low_confidence_reasons) if scores.project_kind != "library" else \
        "this is a library: its users run their own entry points"
    return [f"RS203 max_blast_radius cannot be judged: {why or 'no entry point reaches an AI call site'}"]


def _sites(exposure, vendor: str, unprotected: bool = False) -> tuple:
    return tuple(sorted({(s.path, s.line) for s in exposure.sites.values() if s.vendor == vendor and not s.is_fallback_target
                         and (not unprotected or not s.protected_now)}))


def _repo_violation(code: str, report, vendor: str, evidence: tuple, identity: tuple, **args) -> Violation:
    message = BY_CODE[code].template.format(vendor_name=vendor_name(vendor, report.vendors), **args)
    path, line = evidence[0] if evidence else ("", 0)
    return Violation(code, message, path, line, 0, None, vendor, identity, evidence)


# ------------------------------------------------------------------ inline suppressions
_IGNORE = re.compile(r"#\s*riskscan\s*:\s*ignore\b(?:\[([^\]]*)\])?", re.IGNORECASE)


def suppression(text: str) -> Optional[frozenset]:
    """None: no comment; an empty set: a bare `# riskscan: ignore`; else the codes (or slugs) listed."""
    match = _IGNORE.search(text or "")
    if match is None:
        return None
    return frozenset(part.strip().upper() for part in (match.group(1) or "").split(",") if part.strip())


def suppressed_by(violation: Violation, root: Path, lines: Callable) -> Optional[str]:
    """"bare" or "code" when the violation's own line carries a matching ignore comment, else None.

    Repository-wide violations (RS2xx limits) have no line of their own and cannot be suppressed
    inline: raise the limit or record them in a baseline.
    """
    if BY_CODE[violation.code].repo_wide:
        return None
    text = violation.snippet
    if (not text or len(text) >= SNIPPET_LIMIT) and violation.cell is None:
        text = lines(root / violation.path, violation.line)
    codes = suppression(text)
    if codes is None:
        return None
    if not codes:
        return "bare"
    return "code" if violation.code in codes or violation.slug.upper() in codes else None


@dataclass
class Outcome:
    """Violations after inline suppressions: what is reported, and what the comments silenced."""

    violations: list = field(default_factory=list)
    suppressed: list = field(default_factory=list)  # (violation, "bare" or "code")

    def suppressed_counts(self, paths=None) -> dict:
        """"bare" / "code" -> count, for the violations touching `paths` (all when None)."""
        counts: dict = {}
        for violation, how in self.suppressed:
            if paths is None or violation.touches(paths):
                counts[how] = counts.get(how, 0) + 1
        return counts


def apply_suppressions(violations: list, root: Path) -> Outcome:
    cache: dict = {}

    def lines(path: Path, number: int) -> str:
        if path not in cache:
            try:
                cache[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                cache[path] = []
        text = cache[path]
        return text[number - 1] if 0 < number <= len(text) else ""

    outcome = Outcome()
    for violation in violations:
        how = suppressed_by(violation, root, lines)
        if how is None:
            outcome.violations.append(violation)
        else:
            outcome.suppressed.append((violation, how))
    return outcome
