"""What each public symbol reaches through the package's own call graph, and what it is learned as.

A class reaches every method it has, its own and the inherited ones it does not override (a user
may call any of them; pickling's and copying's methods aside, see `_RESTORING`); a function reaches what it calls, and the classes it builds reach theirs.
The graph is the scan's (graph.py resolves calls and re-exports); a call that cannot be resolved
is not followed (precision first: no module-wide over-approximation here).

A symbol is learned as
- an adapter of provider P when every request-making call site it reaches (`Finding.is_call_site`)
  goes to P, with the providers its own fallbacks reach;
- a router when one of its parameters becomes the model argument of a router (LiteLLM, another
  learned router), or when it reaches several providers and takes a model name;
- nothing otherwise: a provider named only in a type, an import or a docstring is no call site.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, replace
from typing import Optional

from ..extract.models import MODEL_NAME
from ..model import NOT_A_REQUEST, Finding
from ..graph import _Calls, _import_edges, _Resolver
from ..structure import MODULE_BODY
from .http import UNKNOWN, Hosts
from .symbols import ModuleFacts, module_facts, public_names

_MAX_EVIDENCE = 5
_FLAG = re.compile(r"(is|has|use|uses|supports|enable|allow)_", re.IGNORECASE)  # a yes/no setting
# Methods pickle and copy call to rebuild an object made before: what an instance reaches is what
# its constructor and the methods a user calls reach (autogen's Bedrock client rebuilds a plain
# Anthropic client in `__setstate__`, a detail of unpickling, not what the class is for).
_RESTORING = frozenset({"__setstate__", "__getstate__", "__reduce__", "__reduce_ex__", "__copy__", "__deepcopy__",
                        "__getnewargs__", "__getnewargs_ex__"})
_UNKNOWN = "<a provider no rule names>"  # where a symbol's selected class sends (Reach._selected_provider)


@dataclass(frozen=True)
class Decision:
    kind: str  # "adapter" | "router"
    vendor: str = ""
    features: tuple = ()
    fallback_to: tuple = ()
    model_args: tuple = ()
    evidence: tuple = ()


class Reach:
    """Decisions for the public symbols of an Analysis (see the module docstring)."""

    def __init__(self, analysis, catalogue):
        self.analysis = analysis
        self.catalogue = catalogue
        self.modules = analysis.results
        self.resolver = _Resolver(self.modules)
        self.calls = _Calls(self.modules, self.resolver)
        self.sites, self.clients, self.endpoints, self.credentials = _index_findings(analysis)
        self._redirectable = _endpoint_sdks(catalogue)
        self.hosts = Hosts(catalogue)
        self._facts: dict = {}
        self._routers: dict = {}  # node -> model args, memo of router_args
        self._pending: set = set()  # nodes router_args is answering (a cycle meets one of them)
        self._cut, self._unsure = False, []  # a cycle was met; the "no" answers given since
        self._methods: dict = {}  # class node -> {method name: node}
        self._mro: dict = {}
        self._settings: dict = {}  # (module, owner) -> configuration classes it builds
        self._inert_classes: dict = {}
        self._live: Optional[set] = None
        self._hosts: dict = {}  # module -> hosts_named
        self._last_reached: tuple = (None, {})

    # ------------------------------------------------------------ public symbols
    def public_symbols(self, modules) -> dict:
        """Defining node -> the public qualnames it is imported by (the shortest first)."""
        found: dict = {}
        for module in modules:
            result = self.modules.get(module)
            names = public_names(module, self.facts(module), result.structure if result else None)
            for public, target in names.items():
                node = self.resolver.resolve(target)
                if node is not None and node[0] == "function" and "." not in node[2]:
                    found.setdefault(node, set()).add(public)
        return {node: tuple(sorted(names, key=lambda n: (n.count("."), n))) for node, names in found.items()}

    def all_public_names(self) -> set:
        """Every public qualname of the analysed code: classes, functions and aliases, re-exports
        included; a name whose class is an empty placeholder (`is_placeholder`) defines nothing."""
        names = {name: target for module, result in self.modules.items()
                 for name, target in public_names(module, self.facts(module), result.structure).items()}
        return {name for name, target in names.items() if not self.is_placeholder(self.resolver.resolve(target))}

    def is_placeholder(self, node) -> bool:
        """A class with no bases, no fields and no methods: what a release keeps of a class it removed
        (`@deprecated(removal="1.0.0") class ChatSambaStudio: "removed from 1.0.0"`). Nothing about a
        provider can be learned from it: the name belongs to the releases that had the class."""
        if node is None or node[0] != "function" or node[1] not in self.modules or not self._is_class(node):
            return False
        facts = self.facts(node[1])
        klass = facts.classes.get(node[2]) if facts else None
        functions = self.modules[node[1]].structure.functions
        return klass is not None and not klass.bases and not klass.fields and not klass.strings \
            and not any(q.startswith(node[2] + ".") for q in functions)

    def live_modules(self) -> set:
        """Modules whose public symbols can reach a provider: those holding any vendor evidence (an
        SDK import, a host, a call) and those importing one of them, directly or not. Symbols of
        the others are not followed at all (most of a virtualenv's code)."""
        if self._live is None:
            module_of = {result.path: name for name, result in self.modules.items()}
            live = {module_of[f.path] for f in self.analysis.findings if f.path in module_of}
            importers: dict = {}
            for module, targets in _import_edges(self.modules).items():
                for target in targets:
                    importers.setdefault(target, set()).add(module)
            queue = deque(live)
            while queue:
                for importer in importers.get(queue.popleft(), ()):
                    if importer not in live:
                        live.add(importer)
                        queue.append(importer)
            self._live = live
        return self._live

    def facts(self, module: str) -> Optional[ModuleFacts]:
        if module not in self._facts:
            result = self.modules.get(module)
            distribution = self.analysis.owner.get(module)
            structure = result.structure if result else None
            self._facts[module] = (module_facts(distribution.root / result.path, module, structure.names,
                                                result.path.endswith("__init__.py")) if structure else None)
        return self._facts[module]

    # ------------------------------------------------------------ decisions
    def decide(self, node: tuple) -> Optional[Decision]:
        model_args = self.router_args(node) if not self.wrapped_requests(node) else ()
        if model_args:
            return Decision("router", model_args=model_args, evidence=self._router_evidence(node))
        sites, clients, own = self._evidence(node)
        sites = self._by_default(node, _as_built(sites, clients, own, self.catalogue, self._redirectable))
        sites = self._addressed(node, self._redirected(node, sites))
        primary = [(vendor, f) for vendor, f in sites if not f.fallback_target]
        vendors = {vendor for vendor, _ in primary}
        if len(vendors) == 1:
            return self._adapter(vendors.pop(), primary, sites)
        if len(vendors) > 1:
            model = self._model_parameter(node)
            if model:
                return Decision("router", model_args=model, evidence=_evidence(f for _, f in primary))
        if not sites:
            return self._client_factory(self._redirected(node, clients))
        return None

    @staticmethod
    def _client_factory(clients: list) -> Optional[Decision]:
        """A symbol that builds clients of one provider and sends nothing itself (pydantic-ai's
        `DeepSeekProvider`): what it hands out reaches that provider. Learned with the feature
        `client`, so a scan counts its use as using the provider, never as a call site."""
        vendors = {vendor for vendor, _ in clients}
        if len(vendors) != 1:
            return None
        return Decision("adapter", vendors.pop(), ("client",), evidence=_evidence(f for _, f in clients))

    def _adapter(self, vendor: str, primary: list, sites: list) -> Decision:
        own = [f for v, f in primary if v == vendor]
        protected = set.intersection(*(set(f.fallback_to) for f in own)) if own else set()
        targets = {v for v, f in sites if f.fallback_target}
        fallback = protected | (targets if all(f.has_fallback for f in own) else set())
        counts = Counter(f.feature for f in own if f.feature not in (None, "other"))
        features = tuple(name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))) or ("other",)
        return Decision("adapter", vendor, features, tuple(sorted(fallback - {vendor})), evidence=_evidence(own))

    def _evidence(self, start: tuple) -> tuple:
        """(sites, clients, own clients): what `start` reaches, and the clients built by its own code,
        not by another class it builds (`create_from_config` making a sibling class's instance)."""
        sites, clients, own = [], [], []
        nodes = self._reached_once(start)
        handed = self._handed_urls(nodes, start)
        for node, is_own in nodes.items():
            sites += list(self.sites.get(node[1:], ())) + self.wrapped_requests(node, start) \
                + self.http_requests(node, start, handed)
            built = self.clients.get(node[1:], ())
            clients += built
            own += built if is_own else ()
        return sites, clients, own

    def _handed_urls(self, nodes: set, start: tuple) -> dict:
        """(function node, parameter) -> the URL texts the functions in `nodes` hand it, read where
        they are written (`post_json(f"{self.api_base}/embeddings", ...)`)."""
        handed: dict = {}
        for node in nodes:
            facts = self.facts(node[1])
            function = facts.functions.get(node[2]) if facts else None
            for target, keyword, position, (kind, parts) in (function.passes if function else ()):
                callee = self.resolver.resolve(target) if kind == "url" and not target.startswith("<self>") else None
                callee_facts = self.facts(callee[1]) if callee and callee[0] == "function" else None
                params = callee_facts.functions[callee[2]].params if callee_facts and callee[2] in callee_facts.functions else ()
                name = keyword if keyword in params else params[position] if position is not None and position < len(params) else None
                if name:
                    classes = self._instance_classes(node, start)
                    text = _rendered(parts, facts.constants, lambda attr: self._class_string(classes, attr))
                    handed.setdefault((callee, name), []).append(text)
        return handed

    def wrapped_requests(self, node: tuple, start: Optional[tuple] = None) -> list:
        """(vendor, finding) for requests made on, or request methods read on, a receiver declared
        as one provider's client: `from_groq(client: groq.Groq)` wraps `client.chat.completions.create`
        in what it returns, so every use of the result sends that provider's requests; a method
        calls `self.client.embed(...)` where a field, a typed constructor parameter stored in it or
        a property (`-> AsyncOpenAI`) declares `client`, also through a helper returning its
        argument's type (`with_retries(self.client, settings).chat.completions.create(...)`).
        `self`'s declarations are read along the bases of the symbol `start` being decided, then of
        the method's class (a base declares the field its subclass uses). (The scan sees the plain
        cases within one module; these cross modules and helpers.)"""
        facts = self.facts(node[1])
        function = facts.functions.get(node[2]) if facts else None
        found = []
        for receiver, path, line in (function.typed_uses if function else ()):
            targets = self._declared_type(receiver, node, start or node)
            if targets and self._request_of(targets, path) is None and len(path) > 1 \
                    and self._generic_property(targets, path[0]):
                path = path[1:]  # `Provider[AsyncClient]().client` is the AsyncClient
            found += self._typed_request(node, targets, path, line) if targets else []
        return found

    def _typed_request(self, node: tuple, targets: tuple, path: tuple, line: int) -> list:
        """[(vendor, finding)] when `path` read on a value typed `targets` is a request, else []."""
        site = self._request_of(targets, path)
        if site is None:
            return []
        vendor, detail, feature = site
        return [(vendor, Finding(vendor, "call", self.modules[node[1]].path, line, 0, detail=detail,
                                 feature=feature, function=node[2]))]

    def _instance_classes(self, node: tuple, start: tuple) -> list:
        """(module, class) whose attributes a method `node` reads on `self`, run for the symbol `start`:
        the bases of `start` when it is a class, then those of the method's own class."""
        return (self.mro(start[1], start[2]) if self._is_class(start) else []) + \
            self.mro(node[1], node[2].rpartition(".")[0])

    def http_requests(self, node: tuple, start: tuple, handed: Optional[dict] = None) -> list:
        """(vendor, finding) for HTTP requests to a provider's URL in `node` (http.py); an instance
        attribute in the URL is read along the bases of the symbol `start`, then of the method's class.
        A URL that is a parameter is each text the callers in `handed` give it (`_handed_urls`).
        A request to an open URL comes with the vendor None (`_addressed` decides it)."""
        facts = self.facts(node[1])
        function = facts.functions.get(node[2]) if facts else None
        if not function or not function.requests:
            return []
        classes = self._instance_classes(node, start)
        found = []
        for parts, line in function.requests:
            given = (handed or {}).get((node, parts[0][1])) if len(parts) == 1 and parts[0][0] == "name" else None
            for url in ([(("text", text),) for text in given] if given else [parts]):
                hit = self.hosts.provider(url, facts.constants.get, lambda name: self._class_string(classes, name))
                if hit is not None:
                    vendor, feature = hit
                    found.append((vendor, Finding(vendor or "", "call", self.modules[node[1]].path, line, 0,
                                                  detail="http request", feature=feature, function=node[2])))
        return found

    def _class_string(self, classes: list, name: str) -> Optional[str]:
        """The text of an instance attribute: its class-level default, else what a method stores in
        it (the first that names a provider when methods store several)."""
        for module, klass in classes:
            facts = self.facts(module)
            klass_facts = facts.classes.get(klass) if facts else None
            if klass_facts is None:
                continue
            if name in klass_facts.strings:
                return klass_facts.strings[name]
            texts = [_rendered(parts, facts.constants) for parts in klass_facts.texts.get(name, ())]
            if texts:
                return next((t for t in texts if self.hosts.url_vendor(t)), texts[0])
        return None

    def _addressed(self, node: tuple, sites: list) -> list:
        """Requests to an open URL go to the provider whose API host the symbol's own code names
        (its default base URL: `api_url: str = DEFAULT_API_URL`); with none named, they name nobody.
        A credential variable is no address: a self-hosted server takes the provider's key too."""
        if all(vendor for vendor, _ in sites):
            return sites
        provider = self._own_provider(node, by_host=True)
        return [(vendor, f) if vendor else (provider, replace(f, vendor=provider))
                for vendor, f in sites if vendor or provider]

    def _declared_type(self, receiver: tuple, node: tuple, start: tuple, depth: int = 0) -> tuple:
        """The dotted names a receiver's declaration names (FunctionFacts.typed_uses); () unknown."""
        kind = receiver[0]
        if kind == "typed":
            return receiver[1]
        if kind == "self":  # a property, else an annotated attribute, of the method's class or its bases
            for table in ("properties", "typed"):
                for module, klass in self._instance_classes(node, start):
                    facts = self.facts(module)
                    declared = getattr(facts.classes[klass], table).get(receiver[1]) if facts and klass in facts.classes else None
                    if declared:
                        return declared
            return ()
        callee = self.resolver.resolve(receiver[1]) if depth < 4 else None
        facts = self.facts(callee[1]) if callee and callee[0] == "function" else None
        function = facts.functions.get(callee[2]) if facts else None
        if not function or not function.returns_param:
            return ()
        name, position = function.returns_param
        for keyword, index, inner in receiver[2]:
            if keyword == name or keyword is None and index == position:
                return self._declared_type(inner, node, start, depth + 1)
        return ()

    def _generic_property(self, targets: tuple, name: str) -> bool:
        """Whether `name` is a property that one of the declared classes (or a base) returns as its
        type variable: `Provider[AsyncClient]` has `def client(self) -> InterfaceClient`, so
        `.client` is what the declaration's arguments name."""
        for target in targets:
            node = self.resolver.resolve(target)
            if node is None or node[0] != "function" or node[1] not in self.modules or not self._is_class(node):
                continue
            for module, klass in self.mro(node[1], node[2]):
                facts = self.facts(module)
                if facts and klass in facts.classes and name in facts.classes[klass].generic_properties:
                    return True
        return False

    def _request_of(self, targets: tuple, path: tuple) -> Optional[tuple]:
        """(vendor, detail, feature) when `path` on an instance of one provider's client classes is a request."""
        clients = [(t, self.catalogue.entry_for(t)) for t in targets]
        clients = [(t, e) for t, e in clients if e is not None and e.kind == "call" and not e.discriminator]
        if len({e.vendor for _, e in clients}) != 1:
            return None
        target, entry = clients[0]
        root = _sdk_root(target, self.catalogue)
        feature = self.catalogue.feature_for(root, path, entry.vendor) if root else None
        if feature is None or feature in NOT_A_REQUEST or feature == "other":
            return None
        return entry.vendor, f"{target}().{'.'.join(path)}", feature

    def _by_default(self, node: tuple, sites: list) -> list:
        """Calls made with the client a constructor stores under an `if` go where its default goes.

        `self.client = openai.OpenAI()` then `if api_type == "azure": self.client = AzureOpenAI(...)`:
        the scan binds `self.client` to the last client stored, but the class asks OpenAI unless its
        user configures Azure. A provider picked by configuration is a switch, not the class's provider.
        """
        instead = self._switched_providers(node)
        if not instead:
            return sites
        return [(instead.get((_sdk_root(f.detail, self.catalogue), vendor), vendor), f) for vendor, f in sites]

    def _switched_providers(self, node: tuple) -> dict:
        """(SDK root, provider stored under an `if`) -> the default's provider, in the one `__init__`
        that runs for the class (the nearest along its bases)."""
        constructor = self._constructor(node)
        facts = self.facts(constructor[0]) if constructor else None
        info = facts.classes.get(constructor[1]) if facts else None
        instead = {}
        for default, others in (info.switched.values() if info else ()):
            first, root = self.catalogue.entry_for(default), _sdk_root(default, self.catalogue)
            for other in others:
                entry = self.catalogue.entry_for(other)
                if first and entry and root and _sdk_root(other, self.catalogue) == root and entry.vendor != first.vendor:
                    instead.setdefault((root, entry.vendor), first.vendor)
        return instead

    def _redirected(self, node: tuple, sites: list) -> list:
        """Calls made with an SDK that takes a base URL go to the provider the symbol itself names.

        `class DeepInfra(OpenAILike): base_url = "https://api.deepinfra.com/v1/openai"` inherits
        OpenAI SDK calls and sends them to DeepInfra. Only calls still attributed to the SDK's own
        provider move (a client the symbol builds for another provider decided already).
        """
        provider = self._own_provider(node)
        if provider is None and any(_sdk_root(f.detail, self.catalogue) in self._redirectable for _, f in sites):
            provider = self._selected_provider(node)
        if provider is None:
            return sites
        moved = []
        for vendor, finding in sites:
            root = _sdk_root(finding.detail, self.catalogue)
            if not (root in self._redirectable and vendor == root):
                moved.append((vendor, finding))
            elif provider is not _UNKNOWN:  # sent where a selected class points that no rule knows: left out
                moved.append((provider, finding))
        return moved

    def _own_provider(self, node: tuple, by_host: bool = False) -> Optional[str]:
        """The one provider the symbol's own code names by an API host (else, unless `by_host`, by a
        credential variable): in a function, or in the nearest class along a class's bases that
        names any, its module's constants after its body and methods. A host constant imported
        from another module and read there (`api_url: str = DEFAULT_API_URL`) is named there too,
        and a configuration object that code builds counts as its own (`NvidiaSettings(...)`, whose
        `base_url` defaults to NVIDIA's API)."""
        owners = [(node[1], node[2])] if not self._is_class(node) else self.mro(node[1], node[2])
        for module, owner in owners:
            settings = self._settings_built(module, owner)
            level = [(module, owner)] + ([(module, MODULE_BODY)] if self._is_class(node) else []) + settings
            tables = [(self.hosts_named, set())]
            tables += [] if by_host else [(self.credentials.get, self._settings_variables(settings))]
            for table, named in tables:
                found = named | {v for m, o in level for q, vendors in (table(m) or {}).items()
                                 if q == o or q.startswith(o + ".") for v in vendors}
                if found:
                    return found.pop() if len(found) == 1 else None
        return None

    def _settings_built(self, module: str, owner: str) -> list:
        """(module, class) of the configuration objects `owner`'s own code builds: classes of the
        package that send nothing and build no client themselves (settings read from the
        environment, a dataclass of defaults). Another adapter it builds is no configuration."""
        key = (module, owner)
        if key not in self._settings:
            structure = self.modules[module].structure
            built = []
            for q in (q for q in structure.functions if q == owner or q.startswith(owner + ".")):
                for target, edge in self.calls.of(("function", module, q)).items():
                    if target[0] == "function" and edge.get("kind") != "references" and self._is_class(target) \
                            and target[1:] not in built and self._inert(target):
                        built.append(target[1:])
            self._settings[key] = built
        return self._settings[key]

    def _inert(self, klass: tuple) -> bool:
        if klass not in self._inert_classes:
            self._inert_classes[klass] = not any(self.sites.get(n[1:]) or self.clients.get(n[1:]) for n in self.reached_from(klass))
        return self._inert_classes[klass]

    def _settings_variables(self, settings: list) -> set:
        """Providers whose credential variables a settings class reads: its `env_prefix` and each
        field (pydantic-settings: `env_prefix = "NVIDIA_"` and `api_key` read `NVIDIA_API_KEY`)."""
        found = set()
        for module, klass in settings:
            facts = self.facts(module)
            info = facts.classes.get(klass) if facts else None
            for name in (info.fields if info and info.env_prefix else ()):
                vendor = self.catalogue.env_vars.get(f"{info.env_prefix}{name}".upper())
                if vendor and f"{info.env_prefix}{name}".upper() not in self.catalogue.shared_env_vars:
                    found.add(vendor)
        return found

    def hosts_named(self, module: str) -> dict:
        """Function -> providers whose API host it names: the scan's endpoints, and host constants
        it reads from other modules of the package."""
        if module not in self._hosts:
            named = {owner: set(vendors) for owner, vendors in self.endpoints.get(module, {}).items()}
            facts = self.facts(module)
            for qualname, function in (facts.functions.items() if facts else ()):
                vendors = {self.hosts.url_vendor(text) for text in map(self.constant, function.reads) if text}
                if vendors - {None}:
                    named.setdefault(qualname, set()).update(vendors - {None})
            self._hosts[module] = named
        return self._hosts[module]

    def constant(self, dotted: str, depth: int = 0) -> Optional[str]:
        """The text of a module-level string constant of the analysed code, through re-exports."""
        module, _, name = dotted.rpartition(".")
        result = self.modules.get(module)
        facts = self.facts(module) if result is not None else None
        if facts is None or depth > 5:
            return None
        if name in facts.constants:
            return facts.constants[name]
        target = result.structure.names.get(name) if result.structure else None
        return self.constant(target, depth + 1) if target and target != dotted else None

    def _selected_provider(self, node: tuple) -> Optional[str]:
        """The provider of the class the symbol picks by name: its constructor's string default
        (`provider="cerebras"`) is the label of a branch it reaches (`match provider: case
        "cerebras": return CerebrasProvider`), and that branch's class names one provider (its
        API host, else its credential variable). `CerebrasModel(OpenAIChatModel)` changes only
        that default: the OpenAI SDK requests it inherits go to Cerebras. When the branch's
        classes name no provider, or several, where the requests go is unknown (_UNKNOWN)."""
        literals = set(self._string_defaults(node).values())
        found = set()
        for reached in (self._reached_once(node) if literals else ()):
            structure = self.modules[reached[1]].structure
            for fact in structure.switches if structure else ():
                if fact.kind != "branch" or fact.owner != reached[2]:
                    continue
                for option in (o for o in fact.options if o.label in literals):
                    found.update(self._own_provider(c) for c in self._branch_classes(reached, option))
        if not found:
            return None
        return found.pop() if len(found) == 1 and None not in found else _UNKNOWN

    def _branch_classes(self, node: tuple, option) -> list:
        """Classes of the analysed code a branch builds or returns by name."""
        facts = self.facts(node[1])
        function = facts.functions.get(node[2]) if facts else None
        refs = set(option.refs) | {t for line, t in (function.returned if function else ()) if option.start <= line <= option.end}
        targets = (self.resolver.resolve(ref.replace("()", "")) for ref in refs)
        return [t for t in targets if t is not None and t[0] == "function" and t[1] in self.modules and self._is_class(t)]

    def _string_defaults(self, node: tuple) -> dict:
        """String defaults of a function's parameters, or of the constructor a class runs."""
        constructor = self._constructor(node) if self._is_class(node) else None
        module, name = (constructor[0], f"{constructor[1]}.__init__") if constructor else node[1:]
        facts = self.facts(module)
        function = facts.functions.get(name) if facts else None
        return function.defaults if function else {}

    def _constructor(self, node: tuple) -> Optional[tuple]:
        """(module, class) whose `__init__` runs when the class `node` is built: the nearest along its bases."""
        return next(((m, k) for m, k in (self.mro(node[1], node[2]) if self._is_class(node) else ())
                     if f"{k}.__init__" in self.modules[m].structure.functions), None)

    def _reached_once(self, start: tuple) -> dict:
        """`reached_from`, kept for the symbol being decided (its evidence and its selection both ask)."""
        if self._last_reached[0] != start:
            self._last_reached = (start, self.reached_from(start))
        return self._last_reached[1]

    def reached_from(self, start: tuple) -> dict:
        """Function nodes run by `start`, breadth first: a class's methods, nested functions, then calls;
        each mapped to whether `start`'s own code runs it (True) or only an instance of another
        class that code builds (False).

        A method runs for an instance (its receiver): a call on `self` or `super()` inside it
        runs the method the receiver's class has along its bases, as Python dispatches it
        (`AzureOpenAI` overrides the `_get_client` its base's `chat` calls).
        """
        seen: dict = {}  # (node, receiver) -> own; revisited once when first reached through another class
        nodes: dict = {}
        queue = deque([(start, None, True)])
        while queue:
            node, receiver, own = queue.popleft()
            if seen.get((node, receiver)) in (True, own) or node[0] != "function" or node[1] not in self.modules:
                continue
            seen[(node, receiver)] = own
            nodes[node] = nodes.get(node, False) or own
            if self._is_class(node):
                own = own and node == start
                queue.extend((member, node, own) for member in self._members(node))
                continue
            queue.extend((nested, receiver, own) for nested in self._members(node))
            queue.extend((callee, bound, own) for callee, bound in self._dispatched(node, receiver))
        return nodes

    def _dispatched(self, node: tuple, receiver) -> list:
        """(callee, its receiver) for the calls of `node`, methods of the receiver's bases bound to it."""
        found = []
        for target, edge in self.calls.of(node).items():
            if target[0] != "function" or edge.get("kind") == "references" or self._module_registry(node, edge):
                continue  # a function named as a value runs only if whoever picks it calls it: no evidence here
            bound = self._bind(target, receiver)
            found.append((bound, receiver) if bound is not None else (target, None))
        facts = self.facts(node[1])
        function = facts.functions.get(node[2]) if facts else None
        for name in (function.super_calls if function and receiver else ()):
            bound = self._super(node, name, receiver)
            if bound is not None:
                found.append((bound, receiver))
        return found

    def _bind(self, target: tuple, receiver) -> Optional[tuple]:
        """The receiver's own method for a call of a method of one of its bases, else None."""
        owner, _, name = target[2].rpartition(".")
        if receiver is None or not owner or (target[1], owner) not in self.mro(receiver[1], receiver[2]):
            return None
        return self.methods(receiver).get(name, target)

    def _super(self, node: tuple, name: str, receiver) -> Optional[tuple]:
        """`super().name()` in a method of class K: the first class after K in the receiver's order that has it."""
        order = self.mro(receiver[1], receiver[2])
        owner = (node[1], node[2].rpartition(".")[0])
        after = order[order.index(owner) + 1:] if owner in order else []
        for module, klass in after:
            if f"{klass}.{name}" in self.modules[module].structure.functions:
                return ("function", module, f"{klass}.{name}")
        return None

    def _module_registry(self, node: tuple, edge: dict) -> bool:
        """A call the graph assumes because the module holds a registry of classes: every function of
        the module counts as calling every option. Learning needs evidence of which one runs."""
        if edge.get("kind") != "calls_switch" or node[2] == MODULE_BODY:
            return False
        structure = self.modules[node[1]].structure
        owned = {ref for fact in structure.switches if fact.kind == "registry" and fact.owner != MODULE_BODY
                 and (node[2] == fact.owner or node[2].startswith(fact.owner + ".")) for option in fact.options for ref in option.refs}
        return edge.get("target") not in owned

    def methods(self, klass: tuple) -> dict:
        """Method name -> the node a call on an instance of `klass` runs (its own, else along its bases)."""
        if klass not in self._methods:
            self._methods[klass] = {node[2].rpartition(".")[2]: node for node in self._members(klass)}
        return self._methods[klass]

    def _members(self, node: tuple) -> list:
        """A class's methods along its bases (overridden ones left out); a function's nested functions."""
        _, module, qualname = node
        structure = self.modules[module].structure
        if structure is None or qualname not in structure.functions:
            return []
        if not structure.functions[qualname].is_class:
            return [("function", module, q) for q in structure.functions if q.startswith(qualname + ".")]
        methods: dict = {}
        for owner_module, owner in self.mro(module, qualname):
            functions = self.modules[owner_module].structure.functions
            for q in functions:
                name = q[len(owner) + 1:]
                if q.startswith(owner + ".") and "." not in name and name not in _RESTORING:
                    methods.setdefault(name, ("function", owner_module, q))
        return list(methods.values())

    def mro(self, module: str, qualname: str) -> list:
        """(module, class) of a class and its bases within the analysed code, depth first, each once."""
        if (module, qualname) not in self._mro:
            self._mro[(module, qualname)] = self._bases_in_order(module, qualname)
        return self._mro[(module, qualname)]

    def _bases_in_order(self, module: str, qualname: str) -> list:
        order, stack = [], [(module, qualname)]
        while stack:
            current = stack.pop(0)
            if current in order or len(order) > 50:
                continue
            order.append(current)
            facts = self.facts(current[0])
            klass = facts.classes.get(current[1]) if facts else None
            bases = []
            for base in (klass.bases if klass else ()):
                target = self.resolver.resolve(base)
                if target and target[0] == "function" and self._is_class(target):
                    bases.append(target[1:])
            stack = bases + stack
        return order

    def _is_class(self, node: tuple) -> bool:
        structure = self.modules[node[1]].structure
        info = structure.functions.get(node[2]) if structure else None
        return bool(info and info.is_class)

    # ------------------------------------------------------------ routers
    def router_args(self, node: tuple, depth: int = 0) -> tuple:
        """The model argument (keyword, position) of a symbol that passes it on to a router."""
        if node in self._routers:
            if node in self._pending:
                self._cut = True  # an answer that leans on this one may be wrong until it is known
            return self._routers[node]
        self._routers[node] = ()  # a recursive call chain is no router by itself
        self._pending.add(node)
        args = self._class_router_args(node, depth) if self._is_class(node) else self._function_router_args(node, depth)
        self._pending.discard(node)
        self._routers[node] = args
        if not args and self._cut and depth > 0:
            self._unsure.append(node)
        if depth == 0:  # a "no" met through a cycle is asked again from the next symbol on
            for unsure in self._unsure:
                self._routers.pop(unsure, None)
            self._unsure, self._cut = [], False
        return args

    def _function_router_args(self, node: tuple, depth: int) -> tuple:
        facts = self.facts(node[1])
        function = facts.functions.get(node[2]) if facts else None
        if function is None:
            return ()
        for target, keyword, position, (kind, name) in function.passes:
            if kind == "param" and self._takes_model(target, keyword, position, depth):
                return (name, function.params.index(name)) if name in function.params else (name,)
        return ()

    def _class_router_args(self, node: tuple, depth: int) -> tuple:
        """A class whose methods give `self.<attr>` to a router, the attribute set by its constructor."""
        facts = self.facts(node[1])
        klass = facts.classes.get(node[2]) if facts else None
        init = facts.functions.get(f"{node[2]}.__init__") if facts else None
        for member in self._members(node):
            member_facts = self.facts(member[1])
            function = member_facts.functions.get(member[2]) if member_facts else None
            for target, keyword, position, (kind, name) in (function.passes if function else ()):
                if kind != "self" or not self._takes_model(target, keyword, position, depth):
                    continue
                if klass and name in klass.self_params and init and klass.self_params[name] in init.params:
                    param = klass.self_params[name]
                    return (param, init.params.index(param))
                if klass and name in klass.fields:
                    return (name,)
        return ()

    def _takes_model(self, target: str, keyword, position, depth: int) -> bool:
        """Whether this argument of a call to `target` is a model a router resolves."""
        rule = self.catalogue.router_callables.get(target)
        args = rule.model_args if rule is not None else ()
        if rule is None and depth < 8 and not target.startswith("<self>"):
            node = self.resolver.resolve(target.replace("()", ""))
            args = self.router_args(node, depth + 1) if node and node[0] == "function" else ()
        return (keyword is not None and keyword in args) or (keyword is None and position in args)

    def _model_parameter(self, node: tuple) -> tuple:
        """A parameter named like a model (`model`, `model_name`, `llm`) that a multi-provider symbol takes
        (a flag about the model, `is_openai_model`, names none)."""
        facts = self.facts(node[1])
        if facts is None:
            return ()
        if self._is_class(node):
            klass = facts.classes.get(node[2])
            init = facts.functions.get(f"{node[2]}.__init__")
            params = init.params if init else ()
            named = [p for p in params if _names_model(p)]
            if named:
                return (named[0], params.index(named[0]))
            fields = [f for f in (klass.fields if klass else ()) if _names_model(f)]
            return (fields[0],) if fields else ()
        function = facts.functions.get(node[2])
        named = [p for p in (function.params if function else ()) if _names_model(p)]
        return (named[0], function.params.index(named[0])) if named else ()

    def _router_evidence(self, node: tuple) -> tuple:
        result = self.modules[node[1]]
        line = result.structure.functions[node[2]].line
        return (f"{result.path}:{line}",)


def _names_model(name: str) -> bool:
    return bool(MODEL_NAME.search(name)) and not _FLAG.match(name)


def _index_findings(analysis) -> tuple:
    """(module, function) -> [(vendor, finding)] for call sites, and the same for clients built;
    module -> {function: providers} of the endpoints (known API hosts) written there, and the same
    for credential variables."""
    module_of = {result.path: name for name, result in analysis.results.items()}
    sites: dict = {}
    clients: dict = {}
    endpoints: dict = {}
    credentials: dict = {}
    for finding in analysis.findings:
        module = module_of.get(finding.path)
        if module is None or finding.type_only:
            continue
        key = (module, finding.function or MODULE_BODY)
        if finding.is_call_site and finding.framework != "first-party" and not _is_private_helper(finding):
            sites.setdefault(key, []).append((finding.vendor, finding))
        elif finding.kind == "call" and finding.feature == "client":
            clients.setdefault(key, []).append((finding.vendor, finding))
        elif finding.kind in ("endpoint", "env_var") and finding.vendor:
            table = endpoints if finding.kind == "endpoint" else credentials
            table.setdefault(module, {}).setdefault(finding.function or MODULE_BODY, set()).add(finding.vendor)
    return sites, clients, endpoints, credentials


def _is_private_helper(finding: Finding) -> bool:
    """A call of a function of an SDK's private module whose feature the catalogue does not know
    (`google.genai._transformers.t_content`, `openai.lib._pydantic.to_strict_json_schema`): a
    helper the package borrows, never a request. (A call on a client, `...OpenAI().x`, is kept.)"""
    detail = finding.detail or ""
    return finding.kind == "call" and finding.feature in (None, "other") and "()" not in detail \
        and any(part.startswith("_") for part in detail.split("."))


def _endpoint_sdks(catalogue) -> frozenset:
    """SDK roots whose clients take a base URL (`openai.OpenAI(base_url=...)`): any provider can answer their calls."""
    return frozenset(_sdk_root(q, catalogue) for q, entry in catalogue.entries.items()
                     if entry.kind == "call" and entry.endpoint_args) - {None}


def _rendered(parts: tuple, constants: dict, attribute=lambda name: None) -> str:
    """URL parts as text, module constants (and `attribute(name)` for `self.name`) filled in, any
    other piece left open."""
    return "".join(value if kind == "text" else (constants.get(value) if kind == "name" else attribute(value)) or UNKNOWN
                   for kind, value in parts)


def _as_built(sites: list, clients: list, own: list, catalogue, redirectable: frozenset) -> list:
    """A call made with an SDK goes where the clients the symbol builds with that SDK go.

    `AzureChatOpenAI` inherits `_generate` (a call on `openai.OpenAI()`) but overrides the method
    that built that client with one building `openai.AzureOpenAI()`: its calls reach Azure OpenAI.
    Only clients that choose where requests go count (an SDK's connection or helper object built
    around them does not), those of the symbol's own code before those of another class it builds
    (a factory method making a sibling class), and when the symbol builds clients of several
    providers with one SDK, each call keeps its own. A call with an SDK whose clients take a base
    URL, when the symbol builds no client of that SDK but builds one other provider's client that
    takes a base URL (`DatabricksOpenAI`, a subclass of the OpenAI client), is made on that client.
    """
    own_built, all_built = _built(own, catalogue), _built(clients, catalogue)
    remapped = []
    for vendor, finding in sites:
        root = _sdk_root(finding.detail, catalogue)
        owners = own_built.get(root) or all_built.get(root) or set()
        if not owners and root in redirectable and vendor == root:
            owners = own_built.get(None) or all_built.get(None) or set()
        remapped.append((next(iter(owners)) if len(owners) == 1 else vendor, finding))
    return remapped


def _built(clients: list, catalogue) -> dict:
    """SDK root (None for a client class of a provider without an SDK of its own) -> the providers of
    the clients built that take an endpoint (a client from the package's own factory,
    `create_aws_client(...)`, is no catalogued client: it claims none of the class's requests)."""
    built: dict = {}
    for vendor, client in clients:
        entry = catalogue.entry_for(client.detail)
        if entry is not None and entry.kind == "call" and entry.endpoint_args:
            built.setdefault(_sdk_root(client.detail, catalogue), set()).add(vendor)
    return built


def _sdk_root(qualname: str, catalogue) -> Optional[str]:
    hit = catalogue.root_vendor(qualname, catalogue.sdk_roots) or catalogue.root_vendor(qualname, catalogue.conditional_roots)
    return hit[0] if hit else None


def _evidence(findings) -> tuple:
    places = sorted({(f.path, f.line) for f in findings})
    return tuple(f"{path}:{line}" for path, line in places[:_MAX_EVIDENCE])
