"""Stage 4: turn resolved AI call sites into the risk scores of DOMAIN.md section 5.

This module owns the arithmetic only: concentration (HHI on reach-weighted shares), exposure
and blast radius, fallback coverage, lock-in depth, the weighted risk, the grade and its gates,
and the plain-word reasons behind them. It reads no files and builds no graph: the graph stage
hands over `Site`s whose `reach` is already known, so every number can be checked on a few
in-memory objects, and every reason carries the file:line evidence that produced it.
Numbers are kept unrounded; rounding is the renderers' business.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, Optional

from .grade_caps import CAPS, GRADE_ORDER, SINGLE_VENDOR_FLOOR, cap_reason, floor_reason, grade_for
from .places import spot

UNRESOLVED = "unresolved"  # operator unknown (env-only config): shown, kept out of the HHI
# A switch target: a router model read from configuration can name any provider its router
# supports; this stands for them when the repository names no other provider itself.
ANY_PROVIDER = "any"
ANY_PROVIDER_WORDS = "any provider its router supports"
WEIGHTS = {"concentration": 0.30, "blast_radius": 0.25, "fallback_gap": 0.25, "lock_in": 0.20}
# DOMAIN.md 5.1: when blast radius is unknown (reach unresolved) or not the question (a library),
# its term is left out and the other weights are scaled up to sum to 1 (0.40, 0.33, 0.27).
WEIGHTS_WITHOUT_BLAST = {k: v / (1.0 - WEIGHTS["blast_radius"]) for k, v in WEIGHTS.items() if k != "blast_radius"}
CONFIG_SWITCH_CREDIT = 0.5  # a switch by configuration needs a config change and a redeploy, not a code change
REACH_STATES = ("resolved", "partial", "unresolved")
HHI_MODERATE_FROM, HHI_HIGH_ABOVE = 1000, 1800
LOCK_IN_SCALE = 100
LOW_CONFIDENCE_SHARE = 0.3
PLAN_B = 0.5  # fallback credit from which a site keeps working when its operator is down
MAX_REASONS = 5
MAX_EVIDENCE = 10
TOP_LOCK_IN = 5


def provider_name(vendor: str, names) -> str:
    """A provider's display name from `names` (a mapping or a function), the switch marker in words."""
    if vendor == ANY_PROVIDER:
        return ANY_PROVIDER_WORDS
    return names(vendor) if callable(names) else names.get(vendor, vendor)


# DOMAIN.md 2.3: w for a vendor-native call of each feature class (0 = change a setting, 1 = rebuild).
FEATURE_LOCK_IN = {
    "models": 0.10,
    "chat": 0.30, "completions": 0.30, "client": 0.30, "images": 0.30, "audio": 0.30,
    "moderation": 0.30, "rerank": 0.30, "other": 0.30,
    "structured_output": 0.40, "prompt_caching": 0.40, "agents": 0.40,
    "responses": 0.60, "batch": 0.60, "realtime": 0.60, "server_tools": 0.60,
    "assistants": 0.80, "threads": 0.80, "vector_stores": 0.80, "files": 0.80,
    "prompts": 0.80, "computer_use": 0.80,
    "embeddings": 0.90,
    "fine_tuning": 1.00,
}
PORTABLE = 0.30  # classes up to here move with the endpoint; deeper ones keep state, vectors or training


@dataclass(frozen=True)
class Site:
    """One primary call site (a call, an adapter or a routed model string) with what reaches it."""

    vendor: str
    family: Optional[str]
    feature: str
    path: str
    line: int
    reach: frozenset = frozenset()
    fallback_credit: float = 0.0
    fallback_to: tuple = ()
    lock_in: float = 0.3
    is_fallback_target: bool = False
    modules: frozenset = frozenset()
    dual_index: bool = False  # embeddings written to two indexes: the only way they earn fallback credit
    switchable_to: tuple = ()  # providers a configuration switch can select instead (switches.py)
    inferred: bool = False  # no request traced: a stand-in for evidence of use (a client built, a model named)
    cell: Optional[int] = None  # a notebook's code cell, whose lines `line` counts (places.py)

    def __post_init__(self):
        # Coerced so callers may pass lists and sets and the Site stays hashable.
        object.__setattr__(self, "reach", frozenset(self.reach))
        object.__setattr__(self, "modules", frozenset(self.modules))
        object.__setattr__(self, "fallback_to", tuple(self.fallback_to))
        object.__setattr__(self, "switchable_to", tuple(self.switchable_to))
        for name in ("fallback_credit", "lock_in"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value!r} at {self.path}:{self.line}")

    @property
    def reach_weight(self) -> int:
        """|reach(c)|, with orphan sites counted once so unreached code still shows in F and L."""
        return max(len(self.reach), 1)

    @property
    def can_earn_credit(self) -> bool:
        """Embeddings earn no plan-B credit, runtime or configured (another supplier's vectors do
        not match the stored index), unless the index is dual-embedded (DOMAIN.md section 3)."""
        return self.feature != "embeddings" or self.dual_index

    @property
    def credit(self) -> float:
        """f(c) of fallback coverage: a runtime fallback's credit, or 0.5 for a configuration switch."""
        if not self.can_earn_credit:
            return 0.0
        return max(self.fallback_credit, CONFIG_SWITCH_CREDIT if self.switchable_to else 0.0)

    @property
    def protected_now(self) -> bool:
        """Keeps working the moment its operator fails (a runtime fallback)."""
        return self.fallback_credit >= PLAN_B

    @property
    def protected_after_switch(self) -> bool:
        """Works again once the configuration selects another provider, or at once."""
        return self.protected_now or bool(self.switchable_to) and self.can_earn_credit


@dataclass(frozen=True)
class EntryPoint:
    id: str
    crit: float = 1.0
    reach: str = "traced"  # traced | partial | untraced: whether every call that may lead to AI code was followed
    unresolved: tuple = ()  # (path, line, function, method) of the calls that could not be followed


@dataclass(frozen=True)
class Reason:
    """One sentence a CIO can read, the sites behind it, and how many risk points it explains."""

    text: str
    evidence: tuple
    weight: float
    kind: str = ""  # the risk component it explains, or "gate" / "confidence" / "reach" / "none"
    figures: tuple = ()  # (JSON field, value) of every number the text states, so a reader can check each one


@dataclass(frozen=True)
class VendorScore:
    vendor: str
    share: float
    share_callsites: float
    exposure: Optional[float]  # None when reach is counted by module (unresolved reach, a library)
    blast_radius: Optional[float]  # entry points that stop now; None when unknown
    blast_radius_modules: float
    fallback_coverage: float
    lock_in: float  # 0-100, like Scores.lock_in
    substitutability: str
    entry_points: tuple
    unprotected_entry_points: tuple
    name: str = ""
    sites: int = 0  # production call sites in normal running (the vendor table's `call_sites`)
    features: tuple = ()
    alternatives: tuple = ()  # operators its runtime fallbacks go to
    blast_radius_after_switch: Optional[float] = None  # entry points still down after switching by configuration
    down_after_switch: tuple = ()
    switchable_to: tuple = ()  # providers its call sites can be switched to by configuration
    sites_without_plan_b: int = 0  # neither a runtime fallback nor a configuration switch
    sites_switchable: int = 0  # no runtime fallback, but a configuration switch
    modules_stopped: tuple = ()  # production modules importing its call sites that have no runtime plan B


@dataclass(frozen=True)
class Scores:
    concentration_hhi: float
    concentration_band: str
    concentration_hhi_callsites: float
    concentration_hhi_family: float
    blast_radius_max: Optional[float]  # None when unknown (reach unresolved) or not asked (a library)
    fallback_coverage: float
    fallback_gap: float
    lock_in: float
    risk: float
    grade: str
    low_confidence: bool
    components: dict
    vendors: dict
    reasons: tuple
    blast_radius_modules_max: float = 0.0
    fallback_coverage_callsites: float = 0.0  # unweighted mean credit, the secondary figure
    unresolved_share: float = 0.0
    gates_applied: tuple = ()  # "single_vendor_no_fallback", "retired", "retiring_90d"
    lock_in_top: tuple = ()  # Sites with the largest w x |reach|
    entry_point_count: int = 0  # production entry points (with their criticality, the blast radius denominator)
    entry_points_untraced: int = 0  # production entry points that reach no AI call site but make calls that could not be followed
    reach: str = "resolved"  # resolved | partial | unresolved (DOMAIN.md 5.1)
    reach_unit: str = "entry_points"  # what shares and weights count: "entry_points", or "modules" without traced reach
    project_kind: str = "application"
    grade_label: str = ""  # the grade as shown: "D?" when reach could not be traced
    low_confidence_reasons: tuple = ()
    weights: dict = field(default_factory=dict)  # the weights the risk sum used
    call_sites: int = 0  # production call sites in normal running: the reasons' and the vendor table's count
    call_sites_without_plan_b: int = 0
    call_sites_switchable: int = 0  # covered only by a configuration switch
    call_sites_reached: int = 0  # reached from at least one production entry point
    unreached: tuple = ()  # Sites no entry point reaches
    blast_radius_after_switch_max: Optional[float] = None
    module_count: int = 0  # production modules that run AI calls or import code that does
    providers_offered: tuple = ()  # vendors selectable by configuration
    gate_sites: dict = field(default_factory=dict)  # "retired"/"retiring_90d" -> places in the code
    inferred_sites: int = 0  # no call site traced: the places of evidence the figures were inferred from
    unread_files: tuple = ()  # production files that mention AI suppliers but could not be analysed
    primary: tuple = ()  # the primary Sites the scores were computed from (for --explain-score)

    @property
    def reach_from_call_sites(self) -> bool:
        """Kept for readers of the old field: shares were not counted from entry points."""
        return self.reach_unit != "entry_points"


# --- small public formulas ---------------------------------------------------------------

def lock_in_weight(feature: str, *, via_router: bool = False, openai_compatible: bool = False,
                   config_driven: bool = False, fine_tuned: bool = False, index_fed: bool = True) -> float:
    """w for one call site (DOMAIN.md 2.3): what moving this call to another supplier costs.

    A router, an OpenAI-compatible endpoint or configuration only cheapens the portable classes
    (basic chat and the like): they change which endpoint is called, not the vectors, files,
    threads or fine-tunes that a deeper feature keeps at the vendor.
    """
    if fine_tuned or feature == "fine_tuning":
        return 1.0
    base = PORTABLE if feature == "embeddings" and not index_fed else FEATURE_LOCK_IN.get(feature, PORTABLE)
    if base > PORTABLE:
        return base
    if via_router or openai_compatible:
        return min(base, 0.05 if config_driven else 0.10 if via_router else 0.20)
    return base * 0.5 if config_driven else base


def substitutability(weight: float) -> str:
    """DORA substitutability class from a 0-1 lock-in weight: SB_1 < 0.3 <= SB_2 <= 0.7 < SB_3."""
    if weight < 0.3:
        return "SB_1"
    return "SB_2" if weight <= 0.7 else "SB_3"


def hhi(shares: dict) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale regulators use, from fractional shares."""
    return sum((100.0 * s) ** 2 for s in shares.values())


def concentration_band(value: float) -> str:
    """2023 Merger Guidelines bands: below 1,000 low, above 1,800 high, both bounds moderate."""
    if value < 1000:
        return "low"
    return "moderate" if value <= 1800 else "high"


def risk_components(hhi_value: float, blast_max: Optional[float], coverage: float, lock_in: float) -> dict:
    """The weighted terms of the risk sum, kept apart so reports can show each one; without a
    blast radius (None) the term is left out and the other weights are scaled up."""
    weights = weights_for(blast_max is not None)
    terms = {
        "concentration": hhi_value / 100.0,
        "blast_radius": None if blast_max is None else 100.0 * blast_max,
        "fallback_gap": 100.0 * (1.0 - coverage),
        "lock_in": lock_in,
    }
    return {k: weights[k] * v for k, v in terms.items() if k in weights}


def weights_for(blast_known: bool) -> dict:
    return dict(WEIGHTS) if blast_known else dict(WEIGHTS_WITHOUT_BLAST)


def effective_credit(site: Site, closely_connected: Optional[Mapping] = None) -> float:
    """The fallback credit a site earns after DOMAIN.md section 3's rules.

    Embeddings get none (another vendor's vectors do not match the stored index) unless the
    index is dual-embedded. With `closely_connected` (vendor -> related operator ids), a credit
    is capped by what its best fallback target can give: same operator 0.25, related 0.5.
    """
    if not site.can_earn_credit:
        return 0.0
    if closely_connected is None or not site.fallback_to:
        return site.fallback_credit
    cap = max(_relation_credit(site.vendor, target, closely_connected) for target in site.fallback_to)
    return min(site.fallback_credit, cap)


def _relation_credit(vendor: str, target: str, closely_connected: Mapping) -> float:
    if target == vendor:
        return 0.25
    if target in closely_connected.get(vendor, ()) or vendor in closely_connected.get(target, ()):
        return 0.5
    return 1.0


# --- the score -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Basis:
    """What every component reads: primary sites, the units that reach them, and the module universe.

    The unit is the entry point when reach was traced; otherwise (reach unresolved, or a library,
    whose users bring their own entry points) each production module that runs or imports the
    AI code stands for one unit, and no blast radius is computed.
    """

    sites: tuple  # all sites, credits already made effective
    primary: tuple
    crit: dict
    modules: frozenset
    names: dict
    reach: str
    unit: str  # "entry_points" or "modules"
    kind: str  # project kind
    entry_points: int  # production entry points found, whatever the unit
    unreached: tuple  # primary sites no entry point reaches (as given, before any change of unit)
    untraced: tuple = ()  # EntryPoints that reach nothing, but make calls reach could not follow
    unread: tuple = ()  # (path, reason) of production files that mention AI suppliers but could not be analysed

    @property
    def inferred(self) -> bool:
        """No request was traced: every primary site stands in for evidence of use."""
        return bool(self.primary) and all(s.inferred for s in self.primary)

    @property
    def unread_share(self) -> float:
        """Unread files among the files that show AI use or might."""
        files = len({s.path for s in self.primary}) + len(self.unread)
        return len(self.unread) / files if files else 0.0

    @property
    def total_crit(self) -> float:
        return sum(self.crit.values())

    @property
    def blast_known(self) -> bool:
        return self.unit == "entry_points"

    @property
    def concentrated(self) -> tuple:
        """The sites concentration is measured on: resolved operators; for a library the hard-wired ones."""
        sites = [s for s in self.primary if s.vendor != UNRESOLVED]
        return tuple(s for s in sites if not s.switchable_to) if self.kind == "library" else tuple(sites)

    def name(self, vendor: str) -> str:
        return provider_name(vendor, self.names)


def compute_scores(sites: Iterable[Site], entry_points: Iterable, closely_connected: Optional[Mapping] = None,
                   gates: Optional[Mapping] = None, names: Optional[Mapping] = None,
                   project_kind: str = "application", unread: tuple = ()) -> Scores:
    """All of DOMAIN.md section 5 and 5.1 for one repository; `names` maps vendor ids to display
    names; `unread` is the (path, reason) of production files that mention AI suppliers but could
    not be analysed (they count against confidence, and never let "no AI use" stand)."""
    basis = _basis(sites, entry_points, closely_connected, names, project_kind, tuple(unread))
    if not basis.primary:
        return _empty_scores(basis)
    vendors = _vendor_scores(basis)
    concentrated = basis.concentrated
    hhi_value = hhi(_shares(_reach_by(concentrated, basis.crit, lambda s: s.vendor)))
    blast_max = max((v.blast_radius for v in vendors.values()), default=0.0) if basis.blast_known else None
    after_max = max((v.blast_radius_after_switch for v in vendors.values()), default=0.0) if basis.blast_known else None
    coverage = _weighted(basis.primary, lambda s: s.credit, empty=1.0)
    lock_in = 100.0 * _weighted(basis.primary, lambda s: s.lock_in)
    components = risk_components(hhi_value, blast_max, coverage, lock_in)
    gates = dict(gates or {})
    unresolved = _unresolved_share(basis, gates)
    risk, grade, applied = _gate(sum(components.values()), basis, gates)
    confidence = _confidence_reasons(basis, unresolved)
    scores = Scores(
        concentration_hhi=hhi_value,
        concentration_band=concentration_band(hhi_value),
        concentration_hhi_callsites=hhi(_shares(Counter(s.vendor for s in concentrated))),
        concentration_hhi_family=hhi(_shares(_reach_by(concentrated, basis.crit, lambda s: s.family or s.vendor))),
        blast_radius_max=blast_max, fallback_coverage=coverage, fallback_gap=100.0 * (1.0 - coverage),
        lock_in=lock_in, risk=risk, grade=grade, low_confidence=bool(confidence),
        components=components, vendors=vendors, reasons=(),
        blast_radius_modules_max=max((v.blast_radius_modules for v in vendors.values()), default=0.0),
        fallback_coverage_callsites=sum(s.credit for s in basis.primary) / len(basis.primary),
        unresolved_share=unresolved, gates_applied=applied, lock_in_top=_top_lock_in(basis.primary),
        entry_point_count=basis.entry_points, entry_points_untraced=len(basis.untraced),
        reach=basis.reach, reach_unit=basis.unit, project_kind=basis.kind,
        grade_label=grade + ("?" if _grade_uncertain(basis) else ""), low_confidence_reasons=tuple(confidence),
        weights=weights_for(basis.blast_known), call_sites=sum(not s.inferred for s in basis.primary),
        call_sites_without_plan_b=sum(not s.protected_after_switch for s in basis.primary),
        call_sites_switchable=sum(s.protected_after_switch and not s.protected_now for s in basis.primary),
        call_sites_reached=len(basis.primary) - len(basis.unreached), unreached=basis.unreached if not basis.inferred else (),
        inferred_sites=sum(s.inferred for s in basis.primary), unread_files=tuple(p for p, _ in basis.unread),
        blast_radius_after_switch_max=after_max, module_count=len(basis.modules),
        providers_offered=_offered(basis.primary), gate_sites=_gate_counts(gates), primary=basis.primary,
    )
    return replace(scores, reasons=_reasons(scores, basis, gates))


def _grade_uncertain(basis: _Basis) -> bool:
    """The letter rests on a guess: reach unresolved in a project whose users run its entry points,
    or no request traced at all (the figures stand on evidence of use)."""
    return basis.reach == "unresolved" and basis.kind != "library" or basis.inferred


def _offered(primary) -> tuple:
    switchable = [s for s in primary if s.switchable_to]
    return tuple(sorted(({s.vendor for s in switchable} | {v for s in switchable for v in s.switchable_to}) - {ANY_PROVIDER}))


def _gate_counts(gates: Mapping) -> dict:
    return {key: len(list(gates.get(key) or ())) for key in ("retired", "retiring_90d")}


def reach_status(primary) -> str:
    """resolved: every primary site is reached from an entry point; partial: some; unresolved: none."""
    reached = sum(bool(s.reach) for s in primary)
    if reached == len(primary):
        return "resolved"
    return "partial" if reached else "unresolved"


def _unresolved_share(basis: _Basis, gates: Mapping) -> float:
    """The resolver's own figure when given (it may know sites it could not hand over), else ours."""
    given = gates.get("unresolved_share")
    if given is not None:
        return float(given)
    return sum(s.vendor == UNRESOLVED for s in basis.primary) / len(basis.primary)


def _basis(sites, entry_points, closely_connected, names, kind: str, unread: tuple = ()) -> _Basis:
    """Normalise the input once so every component sees the same sites and weights."""
    sites = tuple(replace(s, fallback_credit=effective_credit(s, closely_connected)) for s in sites)
    primary = tuple(s for s in sites if not s.is_fallback_target)
    entry_points = [_entry(e) for e in entry_points]
    untraced = tuple(e for e in entry_points if e.reach == "untraced")
    reach = reach_status(primary) if primary else "resolved"
    if reach == "resolved" and untraced:
        reach = "partial"  # every site is reached, but some entry points may reach them too: figures are a floor
    unreached = tuple(s for s in primary if not s.reach)
    unit = "modules" if primary and (reach == "unresolved" or kind == "library") else "entry_points"
    if unit == "modules":
        # Reach stands for the production modules that run or import each site's code; the entry
        # points are kept aside (none reaches the AI code, or a library's users bring their own).
        primary = tuple(replace(s, reach=s.modules or frozenset({f"{s.path}:{s.line}"})) for s in primary)
        crit = {m: 1.0 for s in primary for m in s.reach}
    else:
        crit = {e.id: e.crit for e in entry_points}
        for s in primary:
            for e in s.reach:
                crit.setdefault(e, 1.0)  # reached but not declared: default criticality
    modules = frozenset().union(*(s.modules for s in sites))
    return _Basis(sites, primary, crit, modules, dict(names or {}), reach, unit, kind, len(entry_points), unreached, untraced,
                  unread)


def _entry(value) -> EntryPoint:
    return value if isinstance(value, EntryPoint) else EntryPoint(str(value))


def _reach_by(sites, crit: dict, key: Callable) -> dict:
    """R_k: criticality summed over the entry points that reach a site of k (each counted once)."""
    reached = {}
    for s in sites:
        reached.setdefault(key(s), set()).update(s.reach)
    return {k: sum(crit[e] for e in ids) for k, ids in reached.items()}


def _shares(weights: Mapping) -> dict:
    total = sum(weights.values())
    return {k: (w / total if total > 0 else 0.0) for k, w in weights.items()}


def _weighted(sites, value: Callable, empty: float = 0.0) -> float:
    """Mean of value(c) weighted by |reach(c)| (orphans 1): the F and L averaging of section 5."""
    total = sum(s.reach_weight for s in sites)
    if total == 0:
        return empty
    return sum(s.reach_weight * value(s) for s in sites) / total


def _entries(sites, down: Callable = lambda s: True) -> frozenset:
    """Entry points reaching these sites; with `down`, only through sites for which it holds."""
    return frozenset().union(*(s.reach for s in sites if down(s)))


def _crit_share(ids, basis: _Basis) -> float:
    total = basis.total_crit
    return sum(basis.crit[e] for e in ids) / total if total > 0 else 0.0


def _vendor_scores(basis: _Basis) -> dict:
    """One VendorScore per operator seen, fallback-only ones included, largest share first."""
    concentrated = basis.concentrated
    shares = _shares(_reach_by(concentrated, basis.crit, lambda s: s.vendor))
    call_shares = _shares(Counter(s.vendor for s in concentrated))
    ids = sorted({s.vendor for s in basis.sites} - {UNRESOLVED})
    scores = [_vendor_score(v, basis, shares.get(v, 0.0), call_shares.get(v, 0.0)) for v in ids]
    scores.sort(key=lambda v: (-v.share, -v.share_callsites, v.vendor))
    return {v.vendor: v for v in scores}


def _vendor_score(vendor: str, basis: _Basis, share: float, share_callsites: float) -> VendorScore:
    primary = [s for s in basis.primary if s.vendor == vendor]
    pool = primary or [s for s in basis.sites if s.vendor == vendor]
    exposed = _entries(primary)
    unprotected = _entries(primary, lambda s: not s.protected_now)
    after = _entries(primary, lambda s: not s.protected_after_switch)
    failing = frozenset().union(*(s.modules for s in primary if not s.protected_now))
    lock = _weighted(pool, lambda s: s.lock_in)
    known = basis.blast_known
    return VendorScore(
        vendor=vendor, share=share, share_callsites=share_callsites,
        exposure=_crit_share(exposed, basis) if known else None,
        blast_radius=_crit_share(unprotected, basis) if known else None,
        blast_radius_modules=len(failing) / len(basis.modules) if basis.modules else 0.0,
        fallback_coverage=_weighted(primary, lambda s: s.credit, empty=1.0),
        lock_in=100.0 * lock, substitutability=substitutability(lock),
        entry_points=tuple(sorted(exposed)) if known else (),
        unprotected_entry_points=tuple(sorted(unprotected)) if known else (),
        name=basis.name(vendor), sites=len(primary), features=tuple(sorted({s.feature for s in pool})),
        alternatives=tuple(sorted({t for s in primary for t in s.fallback_to if t != vendor})),
        blast_radius_after_switch=_crit_share(after, basis) if known else None,
        down_after_switch=tuple(sorted(after)) if known else (),
        switchable_to=tuple(sorted({t for s in primary for t in s.switchable_to})),
        sites_without_plan_b=sum(not s.protected_after_switch for s in primary),
        sites_switchable=sum(s.protected_after_switch and not s.protected_now for s in primary),
        modules_stopped=tuple(sorted(failing)),
    )


def _top_lock_in(primary) -> tuple:
    ranked = sorted(primary, key=lambda s: (-s.lock_in * s.reach_weight, s.path, s.line))
    return tuple(ranked[:TOP_LOCK_IN])


def _gate(risk: float, basis: _Basis, gates: Mapping) -> tuple:
    """(risk, grade, gates applied): the single-vendor floor first, then the lifecycle caps."""
    applied = []
    if _single_vendor_without_plan_b(basis) and risk < SINGLE_VENDOR_FLOOR:
        risk = SINGLE_VENDOR_FLOOR
        applied.append("single_vendor_no_fallback")
    grade = grade_for(risk)
    for key, cap in CAPS.items():
        if gates.get(key):
            grade = GRADE_ORDER[max(GRADE_ORDER.index(grade), GRADE_ORDER.index(cap))]
            applied.append(key)
    return risk, grade, tuple(applied)


def _single_vendor_without_plan_b(basis: _Basis) -> bool:
    """One operator carries every resolved call and none would keep working if it went down."""
    vendors = {s.vendor for s in basis.primary} - {UNRESOLVED}
    return len(vendors) == 1 and all(s.credit < PLAN_B for s in basis.primary)


def _empty_scores(basis: _Basis) -> Scores:
    """No primary call site and no evidence of use: "no use" when every file was read; when files
    that mention AI suppliers could not be, the grade is unknown ("?"), never an A."""
    if basis.unread:
        text = ("No AI vendor use was found in the files analysed, but " + _unread_sentence(basis.unread)
                + ", so whether the code depends on an AI supplier is unknown.")
        reason = Reason(text, tuple((path, 1) for path, _ in basis.unread[:MAX_EVIDENCE]), 0.0, "confidence",
                        (("scores.unread_file_count", len(basis.unread)),))
        grade, confidence, unknown = "?", (_unread_sentence(basis.unread),), None
    else:
        text = "No AI vendor use was found." if not basis.sites else \
            "Only fallback AI calls were found, so nothing depends on an AI supplier in normal running."
        reason, grade, confidence, unknown = Reason(text, (), 0.0, "none"), "A", (), 0.0
    return Scores(
        concentration_hhi=0.0, concentration_band="low", concentration_hhi_callsites=0.0,
        concentration_hhi_family=0.0, blast_radius_max=unknown, fallback_coverage=1.0 if unknown is not None else None,
        fallback_gap=0.0,
        lock_in=0.0, risk=0.0, grade=grade, low_confidence=bool(confidence),
        components=risk_components(0.0, 0.0, 1.0, 0.0), vendors=_vendor_scores(basis),
        reasons=(reason,), entry_point_count=basis.entry_points, low_confidence_reasons=confidence,
        grade_label=grade, weights=dict(WEIGHTS), reach="resolved" if not basis.unread else "unresolved",
        project_kind=basis.kind, blast_radius_after_switch_max=0.0, unread_files=tuple(p for p, _ in basis.unread),
    )


# --- reasons -------------------------------------------------------------------------------
# Every number a reason states is also in its `figures`, as (JSON field, value): the fields are
# those of the JSON report (`scores.*`, `vendors[<id>].*`), so a test and a reader can check each one.

def _reasons(scores: Scores, basis: _Basis, gates: Mapping) -> tuple:
    """Top reasons: grade gates and confidence first (they qualify the letter), then terms by risk points.
    With no request traced, the sentence saying so leads: every figure after it is inferred."""
    gate, reach = _gate_reasons(scores, basis, gates), _reach_reasons(scores, basis)
    first = reach + gate if basis.inferred else gate + reach
    if basis.kind == "library":
        terms = [_library_reason(scores, basis), _concentration_reason(scores, basis)]
    else:
        terms = [_gap_reason(scores, basis), _blast_reason(scores, basis), _concentration_reason(scores, basis)]
    terms += _lock_in_reasons(scores, basis)
    terms = sorted((r for r in terms if r is not None and (r.weight > 0 or r.kind == "modules")), key=lambda r: -r.weight)
    return tuple((first + terms)[:MAX_REASONS])


def _evidence(sites) -> tuple:
    """Spots (places.spot: (path, line), or (path, line, cell) in a notebook) of the sites with the
    most reach first, capped so a reason stays readable."""
    ranked = sorted(sites, key=lambda s: (-s.reach_weight, s.path, s.cell or 0, s.line))
    seen = dict.fromkeys(spot(s) for s in ranked)
    return tuple(list(seen)[:MAX_EVIDENCE])


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _vendor_field(vendor: str, name: str) -> str:
    return f"vendors[{vendor}].{name}"


def _blast_reason(scores: Scores, basis: _Basis) -> Optional[Reason]:
    if not basis.blast_known:
        return _module_reason(scores, basis)
    vendors = sorted(scores.vendors.values(), key=lambda v: v.vendor)
    worst = max(vendors, key=lambda v: (v.blast_radius, v.exposure), default=None)
    if worst is None or worst.blast_radius <= 0:
        return None
    stopped = len(worst.unprotected_entry_points)
    verb = "stops" if stopped == 1 else "stop"
    text = (f"If {worst.name} is unavailable, {stopped} of {_count(basis.entry_points, 'entry point', 'entry points')} "
            f"{verb} ({100 * worst.blast_radius:.0f}%).")
    figures = [(_vendor_field(worst.vendor, "entry_points_stopped"), stopped), ("scores.entry_point_count", basis.entry_points),
               (_vendor_field(worst.vendor, "blast_radius"), worst.blast_radius)]
    after = len(worst.down_after_switch)
    if worst.sites_switchable and after < stopped:
        text = text[:-1] + f"; after switching to {_names(basis, worst.switchable_to)} by configuration, {after} would stay down."
        figures.append((_vendor_field(worst.vendor, "entry_points_stopped_after_switch"), after))
    sites = [s for s in basis.primary if s.vendor == worst.vendor and not s.protected_now]
    return Reason(text, _evidence(sites), scores.components["blast_radius"], "blast_radius", tuple(figures))


def _module_reason(scores: Scores, basis: _Basis) -> Optional[Reason]:
    """Without traced reach: which production modules depend on the most exposed vendor (module level)."""
    vendors = sorted(scores.vendors.values(), key=lambda v: v.vendor)
    worst = max(vendors, key=lambda v: (v.blast_radius_modules, v.sites), default=None)
    if worst is None or not worst.modules_stopped:
        return None
    stopped = len(worst.modules_stopped)
    verbs = "uses AI runs or imports" if len(basis.modules) == 1 else "use AI run or import"
    text = (f"Module level: {stopped} of {_count(len(basis.modules), 'production module', 'production modules')} "
            f"that {verbs} code calling {worst.name} with no runtime plan B ({100 * worst.blast_radius_modules:.0f}%).")
    figures = ((_vendor_field(worst.vendor, "modules_stopped"), stopped), ("scores.module_count", len(basis.modules)),
               (_vendor_field(worst.vendor, "blast_radius_modules"), worst.blast_radius_modules))
    sites = [s for s in basis.primary if s.vendor == worst.vendor and not s.protected_now]
    return Reason(text, _evidence(sites), 0.0, "modules", figures)


def _names(basis: _Basis, vendors, conjunction: str = "or") -> str:
    names = [basis.name(v) for v in vendors]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _gap_reason(scores: Scores, basis: _Basis) -> Optional[Reason]:
    bare = [s for s in basis.primary if not s.protected_after_switch]
    switchable = [s for s in basis.primary if s.protected_after_switch and not s.protected_now]
    if not bare and not switchable:
        return None
    total = _sites_noun(basis, len(basis.primary))
    figures = [("scores.call_sites_without_plan_b", len(bare)), (_sites_field(basis), len(basis.primary))]
    verb = "has" if len(bare) == 1 else "have"
    text = f"{len(bare)} of {total} {verb} no plan B with another supplier"
    if switchable:
        text += (f"; {len(switchable)} more can be switched to another supplier only by configuration "
                 "(a config change and a redeploy)")
        figures.append(("scores.call_sites_switchable", len(switchable)))
    return Reason(text + ".", _evidence(bare or switchable), scores.components["fallback_gap"], "fallback_gap", tuple(figures))


def _library_reason(scores: Scores, basis: _Basis) -> Optional[Reason]:
    """A library's question: which providers can its users choose, and which calls are hard-wired?"""
    hard = [s for s in basis.primary if not s.switchable_to and not s.protected_now]
    offered = scores.providers_offered
    figures = [("scores.call_sites_without_plan_b", len(hard)), (_sites_field(basis), len(basis.primary))]
    verb = "is" if len(hard) == 1 else "are"
    text = f"{len(hard)} of {_sites_noun(basis, len(basis.primary))} {verb} hard-wired to one provider"
    if offered:
        text += f"; users can choose among {len(offered)} providers by configuration ({_names(basis, offered)})"
        figures.append(("scores.providers_offered", len(offered)))
    return Reason(text + ".", _evidence(hard), scores.components["fallback_gap"], "fallback_gap", tuple(figures))


def _concentration_reason(scores: Scores, basis: _Basis) -> Optional[Reason]:
    value, band = scores.concentration_hhi, scores.concentration_band
    top = next(iter(scores.vendors.values()), None)
    if value <= 0 or top is None:
        return None
    scope = {"modules": " by module", "entry_points": ""}[basis.unit]
    if basis.kind == "library":
        scope = " over hard-wired call sites"
    figures = [("scores.concentration_hhi", value)]
    if band == "high":
        who = "one supplier dominates" if top.share >= 0.5 else "a few suppliers dominate"
        text = f"HHI {value:,.0f}{scope}: {who} (above {HHI_HIGH_ABOVE:,} is highly concentrated)."
        figures.append(("scores.method.hhi_high_above", HHI_HIGH_ABOVE))
    elif band == "moderate":
        text = f"HHI {value:,.0f}{scope}: AI supplier use is moderately concentrated ({HHI_MODERATE_FROM:,} to {HHI_HIGH_ABOVE:,})."
        figures += [("scores.method.hhi_moderate_from", HHI_MODERATE_FROM), ("scores.method.hhi_high_above", HHI_HIGH_ABOVE)]
    else:
        text = f"HHI {value:,.0f}{scope}: AI supplier use is spread out (below {HHI_MODERATE_FROM:,} is low)."
        figures.append(("scores.method.hhi_moderate_from", HHI_MODERATE_FROM))
    sites = [s for s in basis.concentrated if s.vendor == top.vendor and (s.reach or basis.unit != "entry_points")]
    unseen = _unreached_vendors(basis)
    if unseen:  # a share by reach cannot see a supplier no entry point was traced to: say so, and give the other count
        text += (f" No entry point was traced to the call sites of {_names(basis, unseen, 'and')}, so this share leaves "
                 f"them out; counting call sites instead gives {scores.concentration_hhi_callsites:,.0f}.")
        figures.append(("scores.concentration_hhi_callsites", scores.concentration_hhi_callsites))
    return Reason(text, _evidence(sites), scores.components["concentration"], "concentration", tuple(figures))


def _unreached_vendors(basis: _Basis) -> list:
    """Suppliers with production call sites of which none is reached from an entry point."""
    if basis.unit != "entry_points":
        return []
    reached = {s.vendor for s in basis.concentrated if s.reach}
    return sorted({s.vendor for s in basis.concentrated} - reached - {UNRESOLVED})


def _lock_in_tier(site: Site) -> Optional[str]:
    """The business consequence of leaving a deep-lock-in site, or None for portable ones."""
    if site.feature == "embeddings" and site.lock_in >= 0.9:
        return "embeddings"
    if site.lock_in >= 1.0:
        return "retrain"
    if site.lock_in >= 0.8:
        return "state"
    return "protocol" if site.lock_in >= 0.6 else None


_FEATURE_LABELS = {
    "responses": "Responses API", "batch": "batch jobs", "realtime": "real-time voice",
    "server_tools": "hosted tools", "assistants": "assistants and threads", "threads": "conversation threads",
    "vector_stores": "vector stores", "files": "uploaded files", "prompts": "stored prompts",
    "computer_use": "computer use",
}


def _lock_in_text(tier: str, name: str, features: list) -> str:
    labels = ", ".join(sorted({_FEATURE_LABELS.get(f, f.replace("_", " ")) for f in features}))
    return {
        "embeddings": f"Switching embeddings away from {name} means re-indexing all stored documents.",
        "retrain": f"Switching away from {name} means retraining and re-testing its fine-tuned models.",
        "state": f"Switching away from {name} means exporting the data it holds for us ({labels}).",
        "protocol": f"Switching away from {name} means rewriting code built on its own interfaces ({labels}).",
    }[tier]


def _lock_in_reasons(scores: Scores, basis: _Basis) -> list:
    """One reason per (vendor, consequence), weighted by its share of the lock-in term."""
    groups = {}
    for s in basis.primary:
        tier = _lock_in_tier(s)
        if tier and s.vendor != UNRESOLVED:
            groups.setdefault((s.vendor, tier), []).append(s)
    total = sum(s.reach_weight for s in basis.primary)
    weight = weights_for(basis.blast_known)["lock_in"]
    reasons = []
    for (vendor, tier), sites in groups.items():
        points = weight * 100.0 * sum(s.reach_weight * s.lock_in for s in sites) / total
        text = _lock_in_text(tier, basis.name(vendor), [s.feature for s in sites])
        reasons.append(Reason(text, _evidence(sites), points, "lock_in"))
    if not reasons and scores.lock_in > 0:
        text = (f"Switching AI supplier scores {scores.lock_in:.0f} of {LOCK_IN_SCALE} for effort "
                "(the bottom of the scale means changing a setting).")
        figures = (("scores.lock_in", scores.lock_in), ("scores.method.lock_in_scale", LOCK_IN_SCALE))
        reasons.append(Reason(text, _evidence(scores.lock_in_top), scores.components["lock_in"], "lock_in", figures))
    return reasons


def _gate_reasons(scores: Scores, basis: _Basis, gates: Mapping) -> list:
    reasons = []
    if "single_vendor_no_fallback" in scores.gates_applied:
        vendor = next(s.vendor for s in basis.primary if s.vendor != UNRESOLVED)
        text, figures = floor_reason(basis.name(vendor), sum(scores.components.values()))  # grade_caps: said one way
        lift = SINGLE_VENDOR_FLOOR - sum(scores.components.values())
        reasons.append(Reason(text, _evidence(basis.primary), lift, "gate", figures))
    for key in CAPS:
        entries = list(gates.get(key) or ())
        if entries:
            text, figures = cap_reason(key, len(entries), scores.risk, scores.grade)  # retirement_words' certainty, the cap's effect
            reasons.append(Reason(text, _gate_evidence(entries), 0.0, "gate", figures))
    if scores.unresolved_share > LOW_CONFIDENCE_SHARE:
        text = f"{100 * scores.unresolved_share:.0f}% of AI call sites could not be tied to a supplier, " \
               "so this grade is uncertain."
        unresolved = [s for s in basis.primary if s.vendor == UNRESOLVED]
        reasons.append(Reason(text, _evidence(unresolved), 0.0, "confidence", (("scores.unresolved_share", scores.unresolved_share),)))
    return reasons


def _sites_noun(basis: _Basis, n: int) -> str:
    """What the figures count: production AI call sites, or, with none traced, the places of evidence."""
    if basis.inferred:
        return _count(n, "place that shows AI use", "places that show AI use")
    return _count(n, "production AI call site", "production AI call sites")


def _sites_field(basis: _Basis) -> str:
    return "scores.inferred_sites" if basis.inferred else "scores.call_sites"


def _evidence_reason(basis: _Basis) -> Reason:
    """No request traced: say so, and what the figures stand on instead."""
    n = len(basis.primary)
    vendors = _names(basis, sorted({s.vendor for s in basis.primary}))
    text = (f"No request to an AI supplier was traced in the production code, but {_count(n, 'place', 'places')} "
            f"show{'s' if n == 1 else ''} it uses {vendors} (a client built, a model named or an SDK imported), "
            "so the figures are inferred from that evidence, module by module.")
    return Reason(text, _evidence(basis.primary), 0.0, "reach", (("scores.inferred_sites", n),))


def _reach_reasons(scores: Scores, basis: _Basis) -> list:
    """What reach could and could not trace, with the call sites no entry point was found to run.

    A reason states what the scan saw (no resolved call path; calls it could not resolve, by method
    name), never a guess at why (a registry, injection): the evidence names the sites."""
    total = len(basis.primary)
    unreached = basis.unreached
    if basis.inferred:
        return [_evidence_reason(basis)]
    if basis.reach == "unresolved" and basis.kind != "library":
        if basis.entry_points:
            text = (f"Reach could not be traced from the entry points: none of the {basis.entry_points} entry points "
                    f"reaches {_any_of(total)} through calls the scan could follow")
            figures = [("scores.entry_point_count", basis.entry_points), ("scores.call_sites", total)]
            if basis.untraced:
                text += f"; {len(basis.untraced)} of them make calls it could not resolve{_such_as(basis.untraced)}"
                figures.append(("scores.entry_points_untraced", len(basis.untraced)))
            text += ", so outage figures are given by module."
        else:
            text = (f"Reach could not be traced from the entry points: no entry point was found for the {total} "
                    "production AI call sites, so outage figures are given by module.")
            figures = [("scores.call_sites", total)]
        return [Reason(text, _evidence(unreached), 0.0, "reach", tuple(figures))]
    reasons = []
    if basis.reach == "partial" and unreached:
        text = (f"Entry points reach {total - len(unreached)} of {total} production AI call sites; "
                f"{len(unreached)} run from code no entry point was traced to, so outage figures leave them out.")
        figures = (("scores.call_sites_reached", total - len(unreached)), ("scores.call_sites", total),
                   ("scores.call_sites_unreached", len(unreached)))
        reasons.append(Reason(text, _evidence(unreached), 0.0, "reach", figures))
    if basis.untraced and basis.blast_known:
        count = len(basis.untraced)
        text = (f"{count} of {_count(basis.entry_points, 'entry point', 'entry points')} reach no AI call site through "
                f"calls the scan could follow, but make calls it could not resolve{_such_as(basis.untraced)}: "
                "they may stop too, and outage figures count only traced reach.")
        figures = (("scores.entry_points_untraced", count), ("scores.entry_point_count", basis.entry_points))
        reasons.append(Reason(text, _call_evidence(basis.untraced), 0.0, "reach", figures))
    return reasons


def _such_as(entries) -> str:
    """` (such as .handle() and .search())`: the method names of the calls reach could not resolve."""
    names = sorted({call[3] for e in entries for call in e.unresolved})
    shown = " and ".join(f".{n}()" for n in names[:2])
    return f" (such as {shown})" if shown else ""


def _call_evidence(entries) -> tuple:
    seen = dict.fromkeys((call[0], call[1]) for e in entries for call in e.unresolved)
    return tuple(list(seen)[:MAX_EVIDENCE])


def _confidence_reasons(basis: _Basis, unresolved_share: float) -> list:
    """Plain sentences for `low_confidence_reasons`; empty when the grade rests on traced evidence."""
    reasons = []
    total = len(basis.primary)
    if basis.inferred:
        reasons.append(f"no request to an AI supplier was traced in the production code; the figures are inferred from "
                       f"{_sites_noun(basis, total)} (a client built, a model named or an SDK imported)")
    elif _grade_uncertain(basis):
        found = (f"none of the {basis.entry_points} entry points reaches {_any_of(total)}"
                 if basis.entry_points else f"no entry point was found for the {total} production AI call sites")
        reasons.append(f"reach could not be traced from the entry points: {found}; blast radius is unknown and "
                       "shares are counted by module")
    elif basis.reach == "partial" and len(basis.unreached) > LOW_CONFIDENCE_SHARE * total:
        reasons.append(f"entry points reach only {total - len(basis.unreached)} of {total} production AI call sites; "
                       "the blast radius leaves the others out")
    if basis.blast_known and len(basis.untraced) > LOW_CONFIDENCE_SHARE * basis.entry_points:
        reasons.append(f"{len(basis.untraced)} of {basis.entry_points} entry points make calls reach could not follow; "
                       "the blast radius counts only what was traced")
    if unresolved_share > LOW_CONFIDENCE_SHARE:
        reasons.append(f"{100 * unresolved_share:.0f}% of AI call sites could not be tied to a supplier")
    if basis.unread and (not basis.primary or basis.unread_share > LOW_CONFIDENCE_SHARE):
        reasons.append(_unread_sentence(basis.unread))
    return reasons


def _unread_sentence(unread: tuple) -> str:
    """The files are named in the evidence and the skipped list (their names and reasons hold numbers of their own)."""
    return (f"{_count(len(unread), 'file', 'files')} that mention{'s' if len(unread) == 1 else ''} AI suppliers "
            f"could not be analysed: AI use in {'it' if len(unread) == 1 else 'them'} is not counted")


def _any_of(total: int) -> str:
    return "the 1 production AI call site" if total == 1 else f"any of the {total} production AI call sites"


def _gate_evidence(entries) -> tuple:
    """Spots of lifecycle.lifecycle_gates entries: (path, line, model[, cell])."""
    seen = dict.fromkeys((path, line, *rest[1:]) for path, line, *rest in entries)
    return tuple(list(seen)[:MAX_EVIDENCE])
