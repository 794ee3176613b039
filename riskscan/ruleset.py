"""Load and validate the vendor catalogue (rules/*.toml) into lookup tables the extractor uses.

Rules are data: a new vendor is one TOML file and one fixture, no Python. Every problem in every
file is collected before failing, so a person fixes a rule directory in one pass.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .errors import RuleFileError
from .options import shipped_rules_dir
from .regex_guard import rule_file_problems
from .schema import Bool, Int, List, OneOf, Problem, Regex, Str, Table, Tables, locate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

VENDOR_KINDS = ("hosted_api", "cloud_platform", "local_runtime", "gateway")
FEATURES = (
    "chat", "completions", "embeddings", "images", "audio", "assistants", "responses", "batch",
    "files", "fine_tuning", "realtime", "moderation", "rerank", "vector_stores", "models", "client",
    "agents", "other",
)
# What a provider does for a call that is not model inference (Finding.service); README
# "What counts as a finding" says which products are which.
SERVICES = ("vector_search", "search", "storage", "platform")
_ID = r"[a-z][a-z0-9_]*"
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(\(\))?(\.[A-Za-z_][A-Za-z0-9_]*(\(\))?)*"
_NAMES = List(Str(pattern=_DOTTED, allow_empty=False))

VENDOR_SCHEMA = Table({
    "id": Str(required=True, pattern=_ID),
    "name": Str(required=True, allow_empty=False),
    "company": Str(required=True, allow_empty=False),
    "kind": Str(required=True, choices=VENDOR_KINDS),
    "model_families": List(Str()),
    "closely_connected": List(Str(pattern=_ID)),
    "references": List(Str(pattern=r"https?://\S+")),
    "sdk": Table({
        "distributions": List(Str(allow_empty=False)),
        "import_roots": _NAMES,
        "conditional_import_roots": _NAMES,
        # modules of request, response, config, enum and exception classes: building one is a `type` finding
        "type_modules": _NAMES,
    }),
    "clients": Tables({
        "qualnames": List(Str(pattern=_DOTTED, allow_empty=False), required=True),
        "endpoint_args": List(Str()),
        "feature": Str(choices=FEATURES),
        "discriminator": Table({
            "position": Int(),
            "keyword": Str(),
            "values": List(Str(), required=True),
        }),
    }),
    "calls": Tables({
        "path": Str(required=True, pattern=_DOTTED),
        "feature": Str(required=True, choices=FEATURES),
    }),
    "services": Tables({
        "service": Str(required=True, choices=SERVICES),
        "qualnames": _NAMES,  # classes and modules of the service (a prefix: everything below them)
        # call paths on this vendor's clients, as in [[calls]]; `list_*` names every operation
        # that starts so, except those [[calls]] lists (they stay requests)
        "calls": List(Str(pattern=_DOTTED + r"|[A-Za-z_][A-Za-z0-9_]*\*", allow_empty=False)),
    }),
    "adapter_roots": _NAMES,
    "adapters": Tables({
        "qualnames": List(Str(pattern=_DOTTED, allow_empty=False), required=True),
        "framework": Str(),
        "feature": Str(choices=FEATURES),
        "endpoint_args": List(Str()),
    }),
    "endpoints": Table({
        "hosts": List(Str(pattern=r"[A-Za-z0-9.*\-]+(:\d+)?(/\S*)?", allow_empty=False)),
        "openai_compatible_base_url": Str(pattern=r"(https?://\S+)?"),
        "env_vars": List(Str(pattern=r"[A-Z_][A-Z0-9_]*")),
        # variables other, non-AI services also read (GOOGLE_API_KEY serves Custom Search too):
        # they count only in a file with other evidence of this vendor
        "shared_env_vars": List(Str(pattern=r"[A-Z_][A-Z0-9_]*")),
    }),
    "models": Table({
        "serves_other_makers": Bool(),
        "patterns": List(Regex()),
        "prefixes": List(Str(pattern=r"[A-Za-z0-9_.\-]+")),
    }),
    "secrets": Tables({
        "name": Str(required=True),
        "pattern": Regex(required=True),
    }),
})

ROUTER_SCHEMA = Table({
    "id": Str(required=True, pattern=_ID),
    "name": Str(required=True, allow_empty=False),
    "kind": Str(required=True, choices=("gateway_sdk", "framework")),
    "import_roots": _NAMES,
    "references": List(Str(pattern=r"https?://\S+")),
    "callables": Tables({
        "qualnames": List(Str(pattern=_DOTTED, allow_empty=False), required=True),
        "model_args": List(OneOf(Str(), Int())),
        "fallback_args": List(Str()),
        "model_list_args": List(Str()),
        "positional_fallbacks": Bool(),
        "fallback_list_args": List(Str()),
        "provider_args": List(Str()),
        "answers": Bool(),
    }, required=True),
})


@dataclass(frozen=True)
class VendorRule:
    """A catalogue entry, as the renderers and scores need it (the lookup tables live in Catalogue)."""

    id: str
    name: str
    company: str
    kind: str
    model_families: tuple = ()
    closely_connected: tuple = ()
    references: tuple = ()
    distributions: tuple = ()
    openai_compatible_base_url: str = ""
    source: str = ""


@dataclass(frozen=True)
class Entry:
    """A callable that yields a vendor client or adapter (`openai.OpenAI`, `langchain_openai.ChatOpenAI`)."""

    vendor: str
    kind: str  # "call" for SDK clients, "adapter" for framework classes
    endpoint_args: tuple = ()
    feature: Optional[str] = None
    framework: Optional[str] = None
    discriminator: Optional[tuple] = None  # (position, keyword, values)
    fallback_to: tuple = ()  # providers a learned wrapper falls back to by itself (rules/learned/)


@dataclass(frozen=True)
class RouterCallable:
    """A callable that routes a model string to a provider."""

    router: str
    model_args: tuple = ()
    fallback_args: tuple = ()
    model_list_args: tuple = ()
    positional_fallbacks: bool = False
    fallback_list_args: tuple = ()
    provider_args: tuple = ()  # keywords naming the provider apart from the model ("model_provider")
    answers: bool = False  # the call itself sends the request: it returns the answer, not a model object


@dataclass
class Catalogue:
    """Every rule file, turned into the lookups the extractor runs per name, string and call."""

    vendors: dict = field(default_factory=dict)
    sdk_roots: dict = field(default_factory=dict)
    conditional_roots: dict = field(default_factory=dict)
    type_modules: dict = field(default_factory=dict)  # module of SDK data classes -> vendor
    service_roots: dict = field(default_factory=dict)  # qualname prefix -> service
    service_calls: dict = field(default_factory=dict)  # vendor -> [(call path tuple, service)]
    service_call_globs: dict = field(default_factory=dict)  # vendor -> [(operation name prefix, service)]
    adapter_roots: dict = field(default_factory=dict)
    router_roots: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)
    call_features: dict = field(default_factory=dict)  # sdk root -> [(path tuple, feature)]
    vendor_call_features: dict = field(default_factory=dict)  # vendor -> [(path tuple, feature)]
    exact_hosts: dict = field(default_factory=dict)
    wildcard_hosts: list = field(default_factory=list)
    glob_hosts: list = field(default_factory=list)  # (compiled pattern, vendor) for hosts with inner wildcards
    env_vars: dict = field(default_factory=dict)
    model_prefixes: dict = field(default_factory=dict)
    model_patterns: list = field(default_factory=list)
    secrets: list = field(default_factory=list)
    routers: dict = field(default_factory=dict)  # router id -> name
    router_callables: dict = field(default_factory=dict)
    version: str = ""
    trigger: Optional[object] = None  # Trigger, the pre-filter
    _by_name: Optional[dict] = None
    makers: set = field(default_factory=set)  # vendors with model-name patterns (they make models)
    hosts: set = field(default_factory=set)  # makers that also serve other makers' models
    shadowable_roots: frozenset = frozenset()  # one-word package names a project module can shadow
    shared_env_vars: set = field(default_factory=set)  # env vars that count only beside other evidence
    any_secret: Optional[re.Pattern] = None  # every key format in one pattern, to test a string once
    _credentials: dict = field(default_factory=dict)  # credential_for's answers, by name
    _call_heads: dict = field(default_factory=dict)  # call_heads' answers, by vendor
    _frameworks: dict = field(default_factory=dict)  # adapter_framework's answers, by adapter root
    learned: dict = field(default_factory=dict)  # qualname -> rule source, for the entries and routers learned from code
    symbol_counts: dict = field(default_factory=dict)  # (rule source, "hand-written" | "learned") -> symbols it contributes

    # --- lookups -----------------------------------------------------------------
    def root_vendor(self, qualname: str, table: dict) -> Optional[tuple]:
        """(root, value) of the longest dotted prefix of `qualname` found in `table`."""
        parts = qualname.replace("()", "").split(".")
        for size in range(len(parts), 0, -1):
            root = ".".join(parts[:size])
            if root in table:
                return root, table[root]
        return None

    def entry_for(self, qualname: str) -> Optional[Entry]:
        """The client or adapter a qualname names, also through a package that re-exports it,
        or from the submodule that defines it.

        `browser_use.llm.mistral.ChatMistral` finds the rule for
        `browser_use.llm.mistral.chat.ChatMistral` (packages commonly re-export their classes), and
        `langchain_community.chat_models.azure_openai.AzureChatOpenAI` the rule for
        `langchain_community.chat_models.AzureChatOpenAI` (the class's real module is below the
        package the rule names); the rule of the nearest package wins.
        """
        entry = self.entries.get(qualname)
        if entry is not None or "." not in qualname:
            return entry
        for legacy in ("langchain.", "langchain_classic."):
            # langchain < 1.0 and langchain_classic re-export langchain_community's integrations
            if qualname.startswith(legacy) and not qualname.startswith("langchain_community"):
                entry = self.entry_for("langchain_community." + qualname[len(legacy):])
                if entry is not None:
                    return entry
        module, _, name = qualname.rpartition(".")
        candidates = self.entries_by_name().get(name, ())
        for candidate in candidates:
            if candidate.startswith(module + "."):
                return self.entries[candidate]
        for candidate in reversed(candidates):  # longest first: the nearest package that defines it
            if module.startswith(candidate.rpartition(".")[0] + "."):
                return self.entries[candidate]
        return None

    def entries_by_name(self) -> dict:
        if self._by_name is None:
            index: dict = {}
            for qualname in self.entries:
                if "#" not in qualname:
                    index.setdefault(qualname.rpartition(".")[2], []).append(qualname)
            self._by_name = {name: sorted(names, key=len) for name, names in index.items()}
        return self._by_name

    def entries_under(self, module: str) -> list:
        """(name, Entry) for the clients and adapters a module (or a package it re-exports) defines."""
        found = {}
        for qualname in sorted(self.entries, key=len):
            if "#" in qualname or "(" in qualname:
                continue
            if qualname.startswith(module + "."):
                found.setdefault(qualname.rpartition(".")[2], self.entries[qualname])
        return sorted(found.items())

    def adapter_framework(self, qualname: str) -> Optional[str]:
        """The framework an adapter package belongs to (`llama_index` for anything under
        `llama_index.llms.openai`): its classes' rules say, else the package's top-level name."""
        hit = self.root_vendor(qualname, self.adapter_roots)
        if hit is None:
            return None
        if hit[0] not in self._frameworks:
            under = self.entries_under(hit[0])
            self._frameworks[hit[0]] = next((e.framework for _, e in under if e.framework), None) or hit[0].split(".")[0]
        return self._frameworks[hit[0]]

    def credential_for(self, name: str) -> Optional[tuple]:
        """(vendor, variable) for a setting named like a provider's credential or endpoint variable.

        The catalogue's variables decide: `OPENAI_API_KEY` and `openai_api_key` name OpenAI's key;
        a settings key or attribute spelt otherwise names the provider whose variable it is under
        another suffix of the same sort (`ANTHROPIC.KEY`, `anthropic_key`: `ANTHROPIC_API_KEY`).
        A name written as an environment variable is taken as it is: the catalogue leaves out
        `HEROKU_API_KEY` or `DATABRICKS_TOKEN` on purpose. `theme_key` names nothing.
        """
        found = self._credentials.get(name, False)
        if found is False:
            found = self._credentials[name] = self._credential(name)
        return found

    def _credential(self, name: str) -> Optional[tuple]:
        if not name or len(name) > 80:
            return None
        upper = name.upper().replace(".", "_").replace("-", "_")
        if upper in self.env_vars:
            return self.env_vars[upper], upper
        if upper == name or not _CREDENTIAL_END.search(name):
            return None
        for group in _CREDENTIAL_SUFFIXES:
            for suffix in group:
                if upper.endswith(suffix) and len(upper) > len(suffix):
                    prefix = upper[:-len(suffix)]
                    canonical = next((prefix + other for other in group if prefix + other in self.env_vars), None)
                    return (self.env_vars[canonical], canonical) if canonical else None
        return None

    def vendor_for_host(self, host: str) -> Optional[str]:
        host = host.lower()
        if host in self.exact_hosts:
            return self.exact_hosts[host]
        bare = host.split(":")[0]
        if bare in self.exact_hosts:
            return self.exact_hosts[bare]
        for suffix, vendor in self.wildcard_hosts:
            if bare.endswith(suffix):
                return vendor
        for pattern, vendor in self.glob_hosts:
            if pattern.match(host):
                return vendor
        return None

    def vendor_for_model(self, model: str, allow_bare: bool = True) -> Optional[str]:
        """The provider a routed model string reaches: by its provider prefix, else by its maker."""
        match = re.match(r"^([A-Za-z0-9_.\-]+)[/:](.+)$", model)
        if match and match.group(1).lower() in self.model_prefixes:
            return self.model_prefixes[match.group(1).lower()]
        if not allow_bare:
            return None
        for pattern, vendor in self.model_patterns:
            if pattern.search(model):
                return vendor
        return None

    def prefixed_model_vendor(self, model: str) -> Optional[str]:
        """Vendor of a `provider/model` string whose model part is credible for that provider.

        Outside a router call a prefixed string is only trusted when the part after the prefix
        looks like a model the provider serves: `openai/gpt-4o` yes, `openai/clip-vit-base`
        (a Hugging Face repository id) no.
        """
        match = re.match(r"^([A-Za-z0-9_.\-]+)[/:]([A-Za-z0-9_.\-:/@]+)$", model)
        if not match or match.group(1).lower() not in self.model_prefixes:
            return None
        vendor = self.model_prefixes[match.group(1).lower()]
        rest = match.group(2)
        if vendor not in self.makers or vendor in self.hosts:
            return vendor  # a host of other makers' models: any model id after its prefix is credible
        maker = self.vendor_for_model(rest)
        return vendor if maker is not None and "/" not in rest else None

    def service_for_call(self, vendor: str, tail: tuple) -> Optional[str]:
        """The non-inference service a call on a client of `vendor` reaches, by the path after the
        client (`get_model_customization_job`): a listed path first; then an operation-name
        pattern (`list_*`), which never covers an operation the vendor's [[calls]] name, as
        `create_model_invocation_job` (batch inference) is among the control plane's `create_*`."""
        for prefix, service in self.service_calls.get(vendor, ()):
            if tail[:len(prefix)] == prefix:
                return service
        globs = self.service_call_globs.get(vendor, ())
        named = {path[0] for path, _ in self.vendor_call_features.get(vendor, ()) if len(path) == 1} if globs else ()
        for start, service in globs:
            if tail[0].startswith(start) and tail[0] not in named:
                return service
        return None

    def call_heads(self, vendor: str) -> frozenset:
        """First names of the call paths [[calls]] lists for `vendor` (`chat`, `generate_content`):
        the request surface a subclass of its client inherits."""
        heads = self._call_heads.get(vendor)
        if heads is None:
            heads = self._call_heads[vendor] = frozenset(path[0] for path, _ in self.vendor_call_features.get(vendor, ()))
        return heads

    def feature_for(self, root: str, path: tuple, vendor: Optional[str] = None) -> Optional[str]:
        """Feature class of a call path below an SDK root (or on a client of `vendor`); longest prefix wins."""
        best, best_len = None, -1
        table = self.call_features.get(root) or self.vendor_call_features.get(vendor, ())
        for prefix, feature in table:
            if path[: len(prefix)] == prefix and len(prefix) > best_len:
                best, best_len = feature, len(prefix)
        return best


# How a provider's credential and endpoint variables end, by sort, longest first (credential_for).
_CREDENTIAL_SUFFIXES = (("_API_TOKEN", "_API_KEY", "_APIKEY", "_TOKEN", "_KEY"), ("_API_BASE", "_BASE_URL"))
_CREDENTIAL_END = re.compile(r"(?i)(key|token|api_base|base_url)$")


def builtin_rules_dir() -> Path:
    """The shipped catalogue: inside the package in a wheel, beside it in a source checkout.

    The wheel carries `rules/` as `riskscan/_rules` (hatch force-include); an editable install
    resolves the package to the source tree, where the same files sit at `<repo>/rules`.
    """
    found = shipped_rules_dir()
    if found is None:
        raise RuleFileError([Problem(str(Path(__file__).resolve().parent / "_rules"), None, "",
                                     "the built-in rule files are missing from this installation")])
    return found


def rule_files(directory: Path) -> list:
    """(kind, path) for every rule file of a directory: vendors/ and routers/, or flat vendor files,
    and learned/ (written by `riskscan learn`); a single `.toml` file is one learned file."""
    if directory.is_file():
        return [("learned", directory)]
    files = []
    for kind, sub in (("vendor", "vendors"), ("router", "routers")):
        if (directory / sub).is_dir():
            files += [(kind, p) for p in sorted((directory / sub).glob("*.toml"))]
    if not files:
        files = [("vendor", p) for p in sorted(directory.glob("*.toml")) if p.name != "TEMPLATE.toml"]
    if (directory / "learned").is_dir():
        files += [("learned", p) for p in sorted((directory / "learned").glob("*.toml"))]
    return files


def load_catalogue(extra_dirs: Iterable = ()) -> Catalogue:
    """Validate and index the built-in rules plus any user rule directories."""
    from .learn.rules import LEARNED_SCHEMA, index_learned  # learned files are checked against this module's tables

    schemas = {"vendor": VENDOR_SCHEMA, "router": ROUTER_SCHEMA, "learned": LEARNED_SCHEMA}
    problems, documents = [], []
    digest = hashlib.sha256()
    directories = [builtin_rules_dir()] + [Path(d) for d in extra_dirs]
    for directory in directories:
        if not directory.exists():
            problems.append(Problem(str(directory), None, "", "rule directory does not exist"))
            continue
        for kind, path in rule_files(directory):
            data, text = read_toml(path, problems)
            if data is None:
                continue
            digest.update(path.name.encode() + b"\0" + text.encode())
            schema = schemas[kind]
            found = [Problem(str(path), locate(text, key), key, _hint(key, message, schema)) for key, message in schema.check(data, "")]
            if not found and data["id"] != path.stem:
                found.append(Problem(str(path), locate(text, "id"), "id", f"{data['id']!r} must equal the file name {path.stem!r}"))
            if not found and directory != directories[0]:  # a rule folder of one's own, maybe the scanned repository's
                found += [Problem(str(path), locate(text, key), key, message) for key, message in rule_file_problems(data)]
            problems += found
            if not found:
                documents.append((kind, path, text, data, _source_label(directory, directories)))
    catalogue = Catalogue(version=digest.hexdigest()[:16])
    known_ids = {path.stem for directory in directories if directory.is_dir() for kind, path in rule_files(directory) if kind == "vendor"}
    # learned files last: a hand-written rule wins over a learned one, whichever folder holds it
    for kind, path, text, data, source in sorted(documents, key=lambda document: document[0] == "learned"):
        if kind == "learned":
            problems += index_learned(catalogue, path, text, data, source)
            continue
        index = _index_vendor if kind == "vendor" else _index_router
        problems += index(catalogue, path, text, data)
        _count_symbols(catalogue, source, kind, data)
    problems += _cross_check(catalogue, [d[:4] for d in documents], known_ids)
    if problems:
        raise RuleFileError(problems)
    catalogue.trigger = _trigger_pattern(catalogue)
    # one pass over each string literal instead of one per key format; the vendor is decided after a hit
    catalogue.any_secret = re.compile("|".join(f"(?:{p.pattern})" for p, _, _ in catalogue.secrets), re.ASCII) if catalogue.secrets else None
    catalogue.shadowable_roots = frozenset(
        root for table in (catalogue.sdk_roots, catalogue.conditional_roots) for root in table if "." not in root)
    return catalogue


def _source_label(directory: Path, directories: list) -> str:
    """How `riskscan rules` names where a rule came from: the built-in catalogue or the folder given."""
    return "built-in" if directory == directories[0] else str(directory)


def _count_symbols(cat: Catalogue, source: str, kind: str, data: dict) -> None:
    tables = data.get("callables", ()) if kind == "router" else list(data.get("clients", ())) + list(data.get("adapters", ()))
    key = (source, "hand-written")
    cat.symbol_counts[key] = cat.symbol_counts.get(key, 0) + sum(len(t["qualnames"]) for t in tables)


def _hint(key: str, message: str, schema: Table) -> str:
    """TOML puts a key written after `[[table]]` inside that table: say so when that is the likely slip."""
    last = key.rsplit(".", 1)[-1]
    if message.startswith("unknown key") and "." in key and last in schema.fields:
        return f"{message}; {last!r} is a top-level key, and TOML files must put top-level keys before the first [table]"
    return message


def read_toml(path: Path, problems: list):
    """(data, text) of a TOML file, or (None, text) with its problem (file and line) appended."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, "", f"cannot read: {exc}"))
        return None, ""
    try:
        return tomllib.loads(text), text
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError, a 5,000-digit integer, 100,000 nested arrays
        line = re.search(r"line (\d+)", str(exc))
        message = f"invalid TOML: {exc}" if isinstance(exc, tomllib.TOMLDecodeError) else f"cannot read TOML: {_reason(exc)}"
        problems.append(Problem(str(path), int(line.group(1)) if line else None, "", message))
        return None, text


def _reason(exc: BaseException) -> str:
    """Why a parser gave up on input it could not take, in a line."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0]


def _claim(table: dict, key: str, value, path: Path, text: str, where: str, problems: list):
    """Register key -> value, reporting a clash with another vendor instead of silently overriding."""
    if key in table and table[key] != value:
        problems.append(Problem(str(path), locate(text, where), where, f"{key!r} is already claimed by {table[key]!r}"))
        return
    table[key] = value


def _index_vendor(cat: Catalogue, path: Path, text: str, data: dict) -> list:
    problems: list = []
    vendor = data["id"]
    if vendor in cat.vendors:
        return [Problem(str(path), locate(text, "id"), "id", f"vendor {vendor!r} is defined twice (also in {cat.vendors[vendor].source})")]
    sdk, endpoints, models = data.get("sdk", {}), data.get("endpoints", {}), data.get("models", {})
    cat.vendors[vendor] = VendorRule(
        id=vendor, name=data["name"], company=data["company"], kind=data["kind"],
        model_families=tuple(data.get("model_families", ())), closely_connected=tuple(data.get("closely_connected", ())),
        references=tuple(data.get("references", ())), distributions=tuple(sdk.get("distributions", ())),
        openai_compatible_base_url=endpoints.get("openai_compatible_base_url", ""), source=str(path),
    )
    for i, root in enumerate(sdk.get("import_roots", ())):
        _claim(cat.sdk_roots, root, vendor, path, text, f"sdk.import_roots[{i}]", problems)
    for root in sdk.get("conditional_import_roots", ()):
        cat.conditional_roots.setdefault(root, set()).add(vendor)
    own_roots = tuple(sdk.get("import_roots", ())) + tuple(sdk.get("conditional_import_roots", ()))
    for i, module in enumerate(sdk.get("type_modules", ())):
        if not any(module == root or module.startswith(root + ".") for root in own_roots):
            where = f"sdk.type_modules[{i}]"
            problems.append(Problem(str(path), locate(text, where), where, f"{module!r} is not below one of this vendor's import_roots"))
        _claim(cat.type_modules, module, vendor, path, text, f"sdk.type_modules[{i}]", problems)
    for i, service in enumerate(data.get("services", ())):
        for j, name in enumerate(service.get("qualnames", ())):
            _claim(cat.service_roots, name, service["service"], path, text, f"services[{i}].qualnames[{j}]", problems)
        for call in service.get("calls", ()):
            if call.endswith("*"):
                cat.service_call_globs.setdefault(vendor, []).append((call[:-1], service["service"]))
            else:
                cat.service_calls.setdefault(vendor, []).append((tuple(call.replace("()", "").split(".")), service["service"]))
    for i, root in enumerate(data.get("adapter_roots", ())):
        _claim(cat.adapter_roots, root, vendor, path, text, f"adapter_roots[{i}]", problems)
    for i, client in enumerate(data.get("clients", ())):
        disc = client.get("discriminator")
        discriminator = (disc.get("position"), disc.get("keyword"), tuple(disc["values"])) if disc else None
        entry = Entry(vendor, "call", tuple(client.get("endpoint_args", ())), client.get("feature"), None, discriminator)
        for j, name in enumerate(client["qualnames"]):
            key = name if not discriminator else f"{name}#{vendor}"
            _claim(cat.entries, key, entry, path, text, f"clients[{i}].qualnames[{j}]", problems)
    for i, adapter in enumerate(data.get("adapters", ())):
        entry = Entry(vendor, "adapter", tuple(adapter.get("endpoint_args", ())), adapter.get("feature"), adapter.get("framework"))
        for j, name in enumerate(adapter["qualnames"]):
            _claim(cat.entries, name, entry, path, text, f"adapters[{i}].qualnames[{j}]", problems)
    roots = sdk.get("import_roots", ()) or sdk.get("conditional_import_roots", ())
    for call in data.get("calls", ()):
        path = tuple(call["path"].replace("()", "").split("."))
        for root in roots:
            cat.call_features.setdefault(root, []).append((path, call["feature"]))
        cat.vendor_call_features.setdefault(vendor, []).append((path, call["feature"]))
    for i, host in enumerate(endpoints.get("hosts", ())):
        host = host.lower()
        if host.startswith("*.") and "*" not in host[1:]:
            cat.wildcard_hosts.append((host[1:], vendor))
        elif "*" in host:
            # bedrock-runtime.*.amazonaws.com: one region label, however it is written ({region} in an f-string)
            pattern = ".".join("[^.]+" if label == "*" else re.escape(label).replace("\\*", "[^.]*") for label in host.split("."))
            cat.glob_hosts.append((re.compile(pattern + r"(:\d+)?$"), vendor))
        else:
            _claim(cat.exact_hosts, host, vendor, path, text, f"endpoints.hosts[{i}]", problems)
    for i, name in enumerate(endpoints.get("env_vars", ())):
        _claim(cat.env_vars, name, vendor, path, text, f"endpoints.env_vars[{i}]", problems)
    for i, name in enumerate(endpoints.get("shared_env_vars", ())):
        _claim(cat.env_vars, name, vendor, path, text, f"endpoints.shared_env_vars[{i}]", problems)
        cat.shared_env_vars.add(name)
    for i, prefix in enumerate(models.get("prefixes", ())):
        _claim(cat.model_prefixes, prefix.lower(), vendor, path, text, f"models.prefixes[{i}]", problems)
    for pattern in models.get("patterns", ()):
        cat.model_patterns.append((re.compile(pattern, re.IGNORECASE), vendor))
        cat.makers.add(vendor)
    if models.get("serves_other_makers"):
        cat.hosts.add(vendor)
    for secret in data.get("secrets", ()):
        # ASCII: keys are ASCII, and the byte pre-filter must read `\d` exactly as the extractor does
        cat.secrets.append((re.compile(secret["pattern"], re.ASCII), vendor, secret["name"]))
    cat.secrets.sort(key=lambda item: -len(item[0].pattern))
    return problems


def _index_router(cat: Catalogue, path: Path, text: str, data: dict) -> list:
    problems: list = []
    cat.routers[data["id"]] = data["name"]
    for root in data.get("import_roots", ()):
        cat.router_roots.setdefault(root, data["id"])
    for i, spec in enumerate(data["callables"]):
        rule = RouterCallable(
            data["id"], tuple(spec.get("model_args", ())), tuple(spec.get("fallback_args", ())),
            tuple(spec.get("model_list_args", ())), bool(spec.get("positional_fallbacks", False)),
            tuple(spec.get("fallback_list_args", ())), tuple(spec.get("provider_args", ())),
            bool(spec.get("answers", False)),
        )
        for j, name in enumerate(spec["qualnames"]):
            _claim(cat.router_callables, name, rule, path, text, f"callables[{i}].qualnames[{j}]", problems)
    return problems


def _cross_check(cat: Catalogue, documents, known_ids: set) -> list:
    """References between files; an id whose own file is broken is reported there, not here too."""
    problems = []
    for kind, path, text, data in documents:
        if kind != "vendor":
            continue
        for i, other in enumerate(data.get("closely_connected", ())):
            if other not in cat.vendors and other not in known_ids:
                problems.append(Problem(str(path), locate(text, f"closely_connected[{i}]"), f"closely_connected[{i}]", f"unknown vendor id {other!r}"))
    return problems


_TOKEN = re.compile(rb"[a-z0-9_]+")
# Host labels and name parts that say nothing about a vendor on their own.
_GENERIC_TOKENS = {
    "api", "com", "www", "ai", "io", "net", "org", "co", "cn", "localhost", "127", "0", "1", "v1", "v2", "https",
    "http", "inference", "cloud", "app", "dev", "chat", "models", "model", "client", "llm", "llms", "embeddings",
    "services", "service", "global", "us", "eu", "apac", "text", "completion", "host", "docker", "internal",
}


class Trigger:
    """The cheap pre-filter: can this file produce a finding at all?

    A set of distinctive words (package roots, env var names, class names) checked against the
    file's lowercased word tokens. Words that are common in any code are confirmed before they
    count: an API host's registered name by its domain (`lambda` is a Python keyword, `writer`
    and `replicate` are English, `lambda.ai` and `writer.com` are not), a local server's port by
    `:port`, a provider prefix by how model strings use it (`github/`, `github:`, `"github`;
    not the `github` of every project URL). Key formats by their fixed prefixes, then one
    regex; bare model names by testing each short quoted string. Linear in the file size,
    unlike one regex with hundreds of alternatives.
    """

    def __init__(self, words: set, secrets: list, models: list, confirmed: Optional[dict] = None):
        self.words = frozenset(w.encode() for w in words if (len(w) >= 3 or w.startswith("_")) and w not in _GENERIC_TOKENS)
        # common word -> the texts that confirm it; a name that is also a distinctive word stays a word
        self.confirmed = {name.encode(): tuple(sorted(d.encode() for d in texts)) for name, texts in (confirmed or {}).items()
                      if name not in _GENERIC_TOKENS and name.encode() not in self.words}
        self.secrets = re.compile("|".join(secrets).encode()) if secrets else None
        literals = [required_literal(pattern) for pattern in secrets]
        # Each key format starts with a fixed text (`sk-proj-`, `AIza`); looking for those first
        # is many times faster than the combined pattern, whose look-behinds try every position.
        self.secret_literals = tuple(t.encode() for t in literals) if all(literals) else None
        self.models = re.compile("|".join(f"(?:{m})" for m in models).encode(), re.IGNORECASE) if models else None

    def search(self, data: bytes) -> bool:
        lowered = data.lower()
        # A word list per megabyte (windows overlap, so no word is cut), never one for a 50 MB file.
        for start in range(0, len(lowered) or 1, _WINDOW):
            tokens = set(_TOKEN.findall(lowered, start, start + _WINDOW + 4096))
            if not self.words.isdisjoint(tokens):
                return True
            for word in self.confirmed.keys() & tokens:
                if any(text in lowered for text in self.confirmed[word]):
                    return True
        if self.secrets is not None and self._may_hold_secret(data) and self.secrets.search(data):
            return True
        if self.models is not None:
            return any(self.models.match(text) for text in _QUOTED.findall(data))
        return False


    def _may_hold_secret(self, data: bytes) -> bool:
        return self.secret_literals is None or any(literal in data for literal in self.secret_literals)


_LOOKAROUND_OR_ANCHOR = re.compile(r"(?:\(\?<?[!=](?:\\.|\[[^\]]*\]|[^()\[\\])*\)|\\b|\^)*")
_PLAIN = re.compile(r"[A-Za-z0-9_\-]+")


def required_literal(pattern: str) -> Optional[str]:
    """A fixed text every match of `pattern` contains (its plain leading characters, after any
    look-behind or anchor), or None when there is no such text of three characters or more."""
    if _has_top_level_bar(pattern):
        return None
    rest = pattern[_LOOKAROUND_OR_ANCHOR.match(pattern).end():]
    plain = _PLAIN.match(rest)
    text = plain.group(0) if plain else ""
    if text and rest[len(text):len(text) + 1] in ("?", "*", "{"):
        text = text[:-1]  # the last character may be absent
    return text if len(text) >= 3 else None


def _has_top_level_bar(pattern: str) -> bool:
    """Whether `|` may split the whole pattern; True also when unsure (a comment group)."""
    if "(?#" in pattern:
        return True
    depth, escaped, class_start = 0, False, None
    for position, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif class_start is not None:
            # a `]` first in the class (after `[` or `[^`) is a member, not the end
            first = class_start + (2 if pattern[class_start + 1:class_start + 2] == "^" else 1)
            if char == "]" and position > first:
                class_start = None
        elif char == "[":
            class_start = position
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


_QUOTED = re.compile(rb"[\"']([A-Za-z][A-Za-z0-9_.:\-]{0,60})[\"']")
_WINDOW = 1 << 20


def _trigger_pattern(cat: Catalogue) -> Trigger:
    words = set()
    for table in (cat.sdk_roots, cat.conditional_roots, cat.adapter_roots, cat.router_roots):
        words.update(root.split(".")[0] for root in table)
    words.update(name.split(".")[0].replace("()", "") for name in list(cat.entries) + list(cat.router_callables))
    globs = [p.pattern.replace("[^.]+", "x").replace("[^.]*", "").replace("\\", "").split("(")[0] for p, _ in cat.glob_hosts]
    confirmed: dict = {}  # common word -> texts that confirm it
    for host in list(cat.exact_hosts) + [suffix.lstrip(".") for suffix, _ in cat.wildcard_hosts] + globs:
        name, _, port = host.lower().split("/")[0].partition(":")
        labels = name.split(".")
        if len(labels) >= 2:  # the registered name (openai, amazonaws), confirmed by its domain
            confirmed.setdefault(labels[-2], set()).add(".".join(labels[-2:]))
        else:
            words.add(name)
        if port:  # localhost:1234, confirmed by `:1234`
            confirmed.setdefault(port, set()).add(f":{port}")
    words.update(name.lower() for name in cat.env_vars)
    for prefix in cat.model_prefixes:  # "github/gpt-4o", "openai:gpt-5", model_provider="github"
        prefix = prefix.lower()
        word = re.findall(r"[a-z0-9_]+", prefix)[0]  # "openai-responses" -> "openai"
        confirmed.setdefault(word, set()).update({f"{prefix}/", f"{prefix}:", f"\"{prefix}", f"'{prefix}"})
    words.update({"import_module", "__import__"})
    secrets = [p.pattern for p, _, _ in cat.secrets]
    models = [p.pattern for p, _ in cat.model_patterns]
    return Trigger({w.lower() for w in words}, secrets, models, confirmed)
