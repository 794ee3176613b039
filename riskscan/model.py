"""Value objects every stage shares; this module imports nothing from riskscan."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

KINDS = ("import", "call", "adapter", "model_string", "endpoint", "env_var", "secret", "type", "manifest", "legacy_api",
         "lifecycle")
# Evidence that can send a request to a provider; `is_call_site` says which of it does.
SITE_KINDS = ("call", "adapter", "model_string")
# Features that configure without sending anything: building a client, naming a model in settings.
NOT_A_REQUEST = ("client", "config")
# Kinds dependencies.py derives from the data tables beside the vendor catalogue (not from the vendor rules).
DERIVED_KINDS = ("manifest", "legacy_api", "lifecycle")
SEVERITIES = ("info", "low", "medium", "high")


@dataclass(frozen=True)
class Finding:
    """One place where code touches an AI vendor, with the evidence to find it again."""

    vendor: str
    kind: str
    path: str
    line: int
    column: int
    snippet: str = ""
    detail: str = ""  # qualname, host, env var, model string; redacted for secrets
    feature: Optional[str] = None
    type_only: bool = False
    has_fallback: bool = False
    fallback_to: tuple = ()
    fallback_target: bool = False  # runs only when another provider failed (an except handler, a fallbacks= entry)
    retry: bool = False  # retried on the same provider (max_retries=, @retry, an except that calls it again): not a fallback
    scope: str = "prod"
    cell: Optional[int] = None  # notebook cell number (1-based) when path is a notebook
    framework: Optional[str] = None
    function: Optional[str] = None  # dotted name of the enclosing function or class, "" at module level
    # Dependency and lifecycle checks (dependencies.py); empty unless they apply.
    model: Optional[str] = None  # the model id a vendor call names (`model="gpt-4o"`), or a lifecycle finding's model
    arguments: tuple = ()  # keyword names a vendor call passes (`previous_response_id`: state kept at the vendor)
    lock_in_class: Optional[str] = None  # DOMAIN.md 2.3 class the site shows (rules/lockin/)
    check: Optional[str] = None  # what a manifest, legacy_api or lifecycle finding says ("unbounded", "retired", ...)
    facts: tuple = ()  # (key, value) pairs behind that check: versions, dates, sources
    level: Optional[str] = None  # severity that check decided
    # What the provider does for this site: None for model inference (what the scores count);
    # otherwise a non-inference service of the same provider ("vector_search", "search", "storage").
    service: Optional[str] = None
    # A router model read from configuration (`model=os.getenv("LLM_MODEL", "gpt-4o")`): the setting
    # that chooses the provider at run time; on a model named in settings, the name it is kept under.
    model_setting: Optional[str] = None
    # A request on a client an if/else rebinds to another provider's client: the providers the
    # branches can switch it to (extract/branches.py); switches.branch_switches credits them.
    branch_alternatives: tuple = ()

    @property
    def is_call_site(self) -> bool:
        """The one definition of a call site, used by the graph, the scores, every count and every report:
        a place that sends a request for model inference (a call, an adapter or a routed model string),
        at run time, that is not only building a client or naming a model in settings."""
        return (self.kind in SITE_KINDS and not self.type_only and self.feature not in NOT_A_REQUEST
                and self.service is None)

    @property
    def rule_id(self) -> str:
        return f"{self.vendor}.{self.kind}"

    @property
    def severity(self) -> str:
        if self.kind == "secret":
            return "high"
        if self.level is not None:
            return self.level if self.scope == "prod" else "info"
        if self.scope != "prod" or self.type_only:
            return "info"
        if self.feature in ("client", "config") or self.fallback_target:
            return "low"  # building a client, naming a model in settings, the plan B itself: evidence, not exposure
        if self.kind in ("call", "adapter", "model_string", "endpoint"):
            return "low" if self.has_fallback else "medium"
        return "low"

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.kind, self.vendor, self.detail)


@dataclass(frozen=True)
class Skipped:
    """A file the scan could not analyse, or a notebook cell it left out, and why; reported in every output format.

    In a notebook `line` counts within `cell` (places.place gives "path[cell 3]:line").
    """

    path: str
    reason: str
    line: Optional[int] = None
    column: Optional[int] = None
    cell: Optional[int] = None


@dataclass
class FileResult:
    """What extraction learned from one file: findings, imports for the module graph, or a skip."""

    path: str
    findings: list = field(default_factory=list)
    imports: list = field(default_factory=list)  # (module, level, names, line, type_only) for the graph
    skipped: Optional[Skipped] = None
    partial: list = field(default_factory=list)  # Skipped notebook cells of a file that was scanned
    lines: int = 0
    module: str = ""  # dotted module name
    structure: Optional[object] = None  # structure.ModuleStructure when the stdlib parser read it
    exports: dict = field(default_factory=dict)  # name -> (path, vendor, kind, feature): clients other modules may import (a factory: extract/service_clients.py)


@dataclass
class Report:
    """The result of one scan: the one typed value every renderer reads and none recomputes.

    The stages fill the typed fields below: per-file results, the dependency review and its
    lifecycle calendar, the graph, the exposure (scores, entry points, call-site counts, reach
    status, configuration switches), the project kind and the decisions. `extra` is a read-only
    view of them kept for code written against the dict the report used to carry.
    """

    root: str
    findings: list
    skipped: list
    files_scanned: int
    lines_scanned: int
    vendors: dict  # id -> VendorRule (catalogue entries of the vendors found)
    rules_version: str = ""
    results: list = field(default_factory=list)  # FileResult per analysed file (the graph's input)
    counts: dict = field(default_factory=dict)  # vendor id -> exposure.CallSiteCounts (the vendor table's numbers)
    dependencies: Optional[object] = None  # dependencies.DependencyReview
    lifecycle: list = field(default_factory=list)  # production lifecycle records, nearest date first
    as_of: Optional[object] = None  # datetime.date retirements were judged on
    graph: Optional[object] = None  # graph.RepoGraph (None for evidence-only scans)
    exposure: Optional[object] = None  # exposure.Exposure: scores, entry points, counts, reach, switches
    project: Optional[object] = None  # project.ProjectKind: application, library or mixed, with its evidence
    decisions: list = field(default_factory=list)  # decisions.Decision, most urgent first
    partly_skipped: list = field(default_factory=list)  # Skipped notebook cells of scanned files (not in `skipped`)

    @property
    def extra(self):
        """Read-only compatibility view of the typed fields, under the keys the old dict used."""
        from types import MappingProxyType

        view = {"results": self.results, "dependencies": self.dependencies, "lifecycle": self.lifecycle,
                "as_of": self.as_of}
        view.update({k: v for k, v in (("graph", self.graph), ("exposure", self.exposure)) if v is not None})
        return MappingProxyType(view)
