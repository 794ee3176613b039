"""Stage 3: the dependency graph (modules, functions, entry points, vendors) and what each entry point reaches.

Reach follows calls where they resolve (functions, classes and methods of the repository,
through imports and `__init__` re-exports); where a call into another first-party module cannot
be resolved it falls back to that whole module, and the evidence says so.

The whole graph is assembled only when asked for: reach needs only the calls of the functions
that entry points run (a few hundred of 60,000), resolved as the walk meets them. `riskscan graph`
exports it from a Digraph (digraph.py: networkx's orders and attributes without networkx); API
users get it as a networkx DiGraph (`RepoGraph.graph`), built from the same parts.
"""
from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Optional

from .digraph import Digraph
from .discover import absolute_module, scope_for
from .products import key_of, product
from .structure import MODULE_BODY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_MAX_REEXPORT_DEPTH = 8
_MAX_UNRESOLVED = 5  # unresolved calls kept per entry point as evidence
# Evidence that a provider is used, strongest first: a client or adapter built, a model named, a host, an SDK imported.
EVIDENCE_KINDS = ("call", "adapter", "model_string", "endpoint", "import")


@dataclass(frozen=True)
class EntryPoint:
    id: str  # "path:line:name", unique and stable
    name: str
    kind: str
    path: str
    line: int
    module: str
    function: str
    detail: str = ""
    scope: str = "prod"


REACH_STATES = ("traced", "partial", "untraced")


@dataclass
class Reach:
    """What one entry point reaches: site indices, which of them only by over-approximation, and
    the calls on its path that could not be resolved but may lead to AI code."""

    sites: set = field(default_factory=set)
    approximate: set = field(default_factory=set)
    unresolved: tuple = ()  # ("path", line, "function", "method"): a call on an object of no known type

    @property
    def status(self) -> str:
        """traced: every call that could lead to AI code resolved; partial: it reaches AI code and
        may reach more; untraced: it reaches none, but a call that could not be resolved may."""
        if self.unresolved:
            return "partial" if self.sites else "untraced"
        return "traced"


@dataclass
class RepoGraph:
    entry_points: list
    reach: dict  # entry id -> Reach
    site_modules: dict  # finding index -> set of modules that fail with it
    modules: dict  # module name -> relpath
    assemble: Callable = field(repr=False)  # () -> the whole graph as a Digraph
    calls: Optional["_Calls"] = field(default=None, repr=False)  # call edges and the name resolver, for later passes
    _digraph: object = field(default=None, repr=False)
    _networkx: object = field(default=None, repr=False)

    @property
    def digraph(self):
        """The whole graph as a Digraph (built on first use): what `riskscan graph` exports."""
        if self._digraph is None:
            self._digraph = self.assemble()
        return self._digraph

    @property
    def graph(self):
        """The whole graph as a networkx DiGraph (built on first use)."""
        if self._networkx is None:
            self._networkx = self.digraph.to_networkx()
        return self._networkx


def build_graph(report, results: list, root: Path, declared=(), scopes=None) -> RepoGraph:
    """Find the entry points and what each reaches; the graph itself is assembled only when asked for.

    `declared` adds configured entry points, (target "pkg.module:function", name, kind, ...);
    `scopes` (relpath -> scope) carries configured test and example paths over to entry points.
    """
    modules = {r.module: r for r in results if r.skipped is None and r.module}
    resolver = _Resolver(modules)
    calls = _Calls(modules, resolver)
    imports = _import_edges(modules)
    sites, touches, aliases = _vendor_sites(report, modules)
    entry_points = _entry_points(modules, resolver, root, declared, scopes)
    site_modules = _site_modules(imports, sites)
    evidence = _evidence_nodes(report, modules, sites)
    leads = _Leads(_LeadingNames(calls, sites, site_modules), _request_tails(report, sites), any_call=not sites and bool(evidence))
    site_modules.update(_site_modules(imports, evidence))
    reach = {e.id: _with_aliases(_reach(calls, e, sites, modules, leads), aliases) for e in entry_points}
    for index, used_in in aliases.items():
        site_modules[index] = frozenset().union(*(site_modules.get(i, frozenset()) for i in used_in))
    return RepoGraph(entry_points, reach, site_modules, {n: r.path for n, r in modules.items()},
                     lambda: _assemble(modules, imports, calls, touches, entry_points), calls)


def _functions(result) -> Iterable:
    return result.structure.functions if result.structure else (MODULE_BODY,)


def _exists(node: tuple, modules: dict) -> bool:
    result = modules.get(node[1])
    return result is not None and (len(node) == 2 or node[2] in _functions(result))


def _assemble(modules: dict, imports: dict, calls: "_Calls", touches: dict, entry_points: list) -> Digraph:
    """Modules, functions, imports, calls, vendors and entry points as one graph (for export and the API)."""
    graph = Digraph()
    for name, result in modules.items():
        graph.add_node(("module", name), kind="module", path=result.path)
        for qualname in _functions(result):
            graph.add_node(("function", name, qualname), kind="function", path=result.path)
            graph.add_edge(("module", name), ("function", name, qualname), kind="defines")
    for name, targets in imports.items():
        for target, attributes in targets.items():
            graph.add_edge(("module", name), ("module", target), **attributes)
    for name, result in modules.items():
        for qualname in _functions(result):
            node = ("function", name, qualname)
            for target, attributes in calls.of(node).items():
                graph.add_edge(node, target, **attributes)
    for node, vendors in touches.items():
        for vendor, evidence in vendors.items():
            graph.add_node(("vendor", vendor), kind="vendor")
            graph.add_edge(node, ("vendor", vendor), kind="touches", evidence=evidence)
    for entry in entry_points:
        graph.add_node(("entry", entry.id), kind="entry", name=entry.name, entry_kind=entry.kind, path=entry.path, line=entry.line)
        graph.add_edge(("entry", entry.id), ("function", entry.module, entry.function), kind="runs")
    return graph


# ------------------------------------------------------------------ module and call edges
def _import_edges(modules: dict) -> dict:
    """Module -> {imported first-party module: {kind, line, type_only}} (a later import of the same module wins).

    A module's edges depend on its own imports, the names of the project's modules and which
    folders are packages only: they are kept with its result (products.py) while those stay the
    same. Read-only."""
    known = set(modules)
    folders = script_folders(modules)
    names_key = key_of(sorted(known) + [f"{module} in {folder}" for module, folder in sorted(folders.items())])
    edges: dict = {}
    for name, result in modules.items():
        found = product(result, "import edges", names_key, lambda: _module_import_edges(name, result, known, folders))
        if found:
            edges[name] = found
    return edges


def _module_import_edges(name: str, result, known: set, folders: dict) -> dict:
    edges: dict = {}
    for base, _, names, line, type_only in imported_bases(name, result, known, folders):
        targets = [t for t in (f"{base}.{n}" for n in names if n != "*") if t in known] or [_longest_known(base, known)]
        for target in filter(None, targets):
            if target != name:
                edges[target] = {"kind": "imports", "line": line, "type_only": type_only}
    return edges


def imported_bases(name: str, result, known: set, folders: dict) -> Iterable[tuple]:
    """Each import of module `name` as (absolute module, the name the file calls it by, names,
    line, type_only). A script's plain `import util` of a sibling in a folder that is no package
    is the folder's `util` (Python puts the script's folder on sys.path; see _Calls._local)."""
    package = name if result.path.endswith("__init__.py") else name.rpartition(".")[0]
    roots = {module.split(".", 1)[0] for module in known} if name in folders else set()
    for module, level, names, line, type_only in result.imports:
        base = absolute_module(module, level, package)
        if base is None:
            continue
        sibling = sibling_module(folders.get(name) if not level else None, base, known, roots)
        if sibling:
            yield sibling, base, names, line, type_only
        else:
            yield base, base, names, line, type_only


def sibling_module(folder: Optional[str], dotted: str, known: set, roots: set) -> Optional[str]:
    """`folder.dotted` when a file of a folder that is no package names its sibling plainly; None
    when `dotted` names a module or namespace of the project from its root (`voice.baidu.x` from
    `voice/factory.py` beside a `voice/voice.py`: imported from the root, not a sibling). `roots`
    holds the first names of the `known` modules."""
    if folder is None:
        return None
    head = dotted.split(".", 1)[0]
    if head in known or head in roots:
        return None
    return f"{folder}.{dotted}" if f"{folder}.{head}" in known else None


def script_folders(modules: dict) -> dict:
    """Module -> its folder's dotted name, for modules in a folder that is no package (scripts,
    notebooks' helpers): their plain imports find their siblings first."""
    folders = {}
    for name, result in modules.items():
        folder = name.rpartition(".")[0]
        package = modules.get(folder)
        if folder and not result.path.endswith("__init__.py") and not (package and package.path.endswith("__init__.py")):
            folders[name] = folder
    return folders


def _longest_known(dotted: str, known: set) -> Optional[str]:
    parts = dotted.split(".")
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if candidate in known:
            return candidate
    return None


class _Resolver:
    """Turns a dotted call target into a function node, following `__init__` re-exports."""

    def __init__(self, modules: dict):
        self.modules = modules
        self.known = set(modules)
        self.tops = {name.partition(".")[0] for name in modules}
        self.memo: dict = {}  # the same targets (`json.dumps`, a helper) recur across thousands of functions

    def resolve(self, target: str):
        """("function", module, qualname), ("module", module) for an unresolved first-party call, or None."""
        try:
            return self.memo[target]
        except KeyError:
            node = self.memo[target] = self._resolve(target, 0)
            return node

    def _resolve(self, target: str, depth: int):
        target = target.replace("()", "")
        if target.partition(".")[0] not in self.tops:
            return None  # `self.x`, `json.dumps`: no module of the project starts so
        module = _longest_known(target, self.known)
        if module is None or depth > _MAX_REEXPORT_DEPTH:
            return None
        rest = target[len(module) + 1:]
        structure = self.modules[module].structure
        if not rest or structure is None:
            return ("module", module) if rest else None
        functions = structure.functions
        if rest in functions:
            return ("function", module, rest)
        head, _, tail = rest.partition(".")
        if head in functions and functions[head].is_class:
            inherited = self._inherited(functions[head].bases, tail, depth) if tail and "." not in tail else None
            return inherited or ("module", module)  # a method on an instance we cannot type: the class's module
        imported = structure.names.get(head)
        if imported and imported != target:
            return self._resolve(f"{imported}.{tail}" if tail else imported, depth + 1)
        # a name the module makes at run time (a registry, a factory): somewhere in that module
        return ("module", module)


    def _inherited(self, bases: tuple, method: str, depth: int):
        """A method a class does not define, from the first of its bases (in order) that has it."""
        for base in bases:
            node = self._resolve(f"{base}.{method}", depth + 1)
            if node is not None and node[0] == "function":
                return node
        return None


class _Calls:
    """Each function's call edges, resolved on first use: reach visits the functions its entry
    points run (a few hundred in a repository of 60,000), an export all of them."""

    def __init__(self, modules: dict, resolver: _Resolver):
        self.modules = modules
        self.resolver = resolver
        self.memo: dict = {}
        self.unknown: dict = {}  # function node -> calls no edge stands for (dotted, or the names after an unknown object)
        self.nested: dict = {}  # module -> {function qualname: its nested functions}
        self.folders = script_folders(modules)
        self.siblings: dict = {}  # module -> {a name's head: the sibling module it names, or None}
        self.roots = {module.split(".", 1)[0] for module in modules}

    def of(self, node: tuple) -> dict:
        """{target node: {kind, target}} for ("function", module, qualname)."""
        edges = self.memo.get(node)
        if edges is None:
            edges = self.memo[node] = self._resolve(node)
        return edges

    def unknown_of(self, node: tuple) -> set:
        """Calls of `node` on objects whose type neither the walk nor the graph could tell."""
        self.of(node)
        return self.unknown.get(node, set())

    def _resolve(self, node: tuple) -> dict:
        _, name, qualname = node
        structure = self.modules[name].structure
        edges: dict = {}
        if structure is None or qualname not in structure.functions:
            return edges
        functions = structure.functions
        info = functions[qualname]
        unknown = set(info.unknown)
        if info.is_class:
            for method in ("__init__", "__call__", "__post_init__"):
                if f"{qualname}.{method}" in functions:
                    edges[("function", name, f"{qualname}.{method}")] = {"kind": "calls"}
        else:  # a closure (an SSE generator, a callback) runs when its function does, or is handed out by it
            for inner in self._nested(name, structure).get(qualname, ()):
                edges[("function", name, inner)] = {"kind": "nests"}
        for target in _switch_targets(structure, qualname):
            resolved = self.resolver.resolve(target)
            if resolved is not None and resolved[0] == "function" and resolved != node:
                edges.setdefault(resolved, {"kind": "calls_switch", "target": target})
        for target in sorted(info.refs):
            resolved = self.resolver.resolve(self._local(name, target))
            if resolved is not None and resolved[0] == "function" and resolved != node:
                edges.setdefault(resolved, {"kind": "references", "target": target})
        for target in sorted(info.calls):  # sorted: when two targets resolve alike, the same one is named
            if f"{qualname}.{target[len(name) + 1:]}" in functions and target.startswith(name + "."):
                continue  # a closure called by name (the walk names it module-level): the "nests" edge stands for it
            resolved = self.resolver.resolve(self._local(name, target))
            if resolved is None or resolved == node:
                continue
            if resolved[0] == "module":
                unknown.add(target)
                if resolved[1] == name:
                    continue  # an unknown object of this module: no evidence of which function runs
            attributes = {"kind": "calls" if resolved[0] == "function" else "calls_unresolved", "target": target}
            edges.setdefault(resolved, {}).update(attributes)
        if unknown:
            self.unknown[node] = unknown
        return edges

    def _nested(self, module: str, structure) -> dict:
        """Function qualname -> the functions defined directly inside it (not a class's methods)."""
        found = self.nested.get(module)
        if found is None:
            found = self.nested[module] = {}
            functions = structure.functions
            for qualname in functions:
                outer, dot, _ = qualname.rpartition(".")
                if dot and outer in functions and not functions[outer].is_class:
                    found.setdefault(outer, []).append(qualname)
        return found

    def _local(self, module: str, target: str) -> str:
        """A script's `import helper` finds `helper.py` beside it (Python puts the script's folder on
        sys.path): in a folder that is no package, a name no module of the project has is the sibling's."""
        head = target.split(".", 1)[0]
        if head not in self.siblings.setdefault(module, {}):
            self.siblings[module][head] = sibling_module(self.folders.get(module), head, self.resolver.known, self.roots)
        sibling = self.siblings[module][head]
        return f"{sibling}{target[len(head):]}" if sibling else target


def _switch_targets(structure, qualname: str) -> list:
    """What a registry held by this function, its class or its module can hand out: the call
    graph cannot see `registry[name](...)` pick one, so every option counts as called."""
    if not structure.switches:
        return []
    found = []
    for fact in structure.switches:
        owner = fact.owner
        if fact.kind == "registry" and (owner in (qualname, MODULE_BODY) or qualname.startswith(owner + ".")):
            found += [ref for option in fact.options for ref in option.refs]
    return sorted(set(found))


def _vendor_sites(report, modules: dict) -> tuple:
    """Site index -> the function (or module) node it runs in, and node -> {vendor: evidence}."""
    by_path = {r.path: name for name, r in modules.items()}
    in_functions: dict = {}
    for index, finding in enumerate(report.findings):
        if finding.function and finding.is_call_site:
            in_functions.setdefault((finding.path, finding.vendor), []).append(index)
    sites: dict = {}
    touches: dict = {}
    aliases: dict = {}
    for index, finding in enumerate(report.findings):
        if not finding.is_call_site:
            continue  # constructing a client or naming a model in settings reaches nobody by itself
        used_in = in_functions.get((finding.path, finding.vendor)) if not finding.function and finding.kind != "model_string" else None
        if used_in:
            # a module-level client or adapter whose use inside functions is a site of its own: it is
            # reached where those uses are, not by every entry point that imports the module
            aliases[index] = tuple(used_in)
            continue
        module = by_path.get(finding.path)
        if module is None:
            continue
        node = ("function", module, finding.function or MODULE_BODY)
        if not _exists(node, modules):
            body = ("function", module, MODULE_BODY)
            node = body if _exists(body, modules) else ("module", module)
        sites[index] = node
        touches.setdefault(node, {}).setdefault(finding.vendor, []).append(f"{finding.path}:{finding.line}")
    return sites, touches, aliases


def _evidence_nodes(report, modules: dict, sites: dict) -> dict:
    """Finding index -> module node for evidence of use that is no call site (a client built, a
    model named, an SDK imported): where no request could be traced, the scores infer from it."""
    by_path = {r.path: name for name, r in modules.items()}
    return {index: ("module", by_path[f.path]) for index, f in enumerate(report.findings)
            if index not in sites and f.path in by_path and is_evidence_of_use(f)}


def is_evidence_of_use(finding) -> bool:
    """A production finding that shows a provider is used without sending a request itself."""
    return (finding.kind in EVIDENCE_KINDS and not finding.is_call_site and not finding.type_only
            and finding.service is None and finding.scope == "prod")


# ------------------------------------------------------------------ entry points
def _entry_points(modules: dict, resolver: _Resolver, root: Path, declared=(), scopes=None) -> list:
    entries = []
    for name, result in sorted(modules.items()):
        # a module's own entry points depend on nothing but the module: kept with its result (products.py)
        entries += product(result, "entry points", _scope_of(result.path, scopes), lambda: _scoped(_own_entries(name, result), scopes))
        for view, line, route in result.structure.url_views if result.structure and not result.path.endswith(".ipynb") else ():
            node = resolver.resolve(view)
            if node and node[0] == "function":
                target = modules[node[1]]
                entries += _scoped([EntryPoint(f"{target.path}:{line}:{node[2]}", node[2].rsplit(".", 1)[-1], "http", target.path, line,
                                               node[1], node[2], route)], scopes)
    entries += _scoped(_console_scripts(root, resolver, modules), scopes)
    entries += _scoped(_declared_entries(declared, resolver, modules), scopes)
    unique = {e.id: e for e in entries}
    return sorted(unique.values(), key=lambda e: (e.path, e.line, e.name))


def _own_entries(name: str, result) -> list:
    """The entry points a module declares itself (notebooks, `__main__`, routes, tasks...)."""
    if result.path.endswith(".ipynb"):
        return [EntryPoint(f"{result.path}:1:notebook", result.path.rsplit("/", 1)[-1], "notebook", result.path, 1, name, MODULE_BODY)]
    if result.structure is None:
        return []
    return [EntryPoint(f"{result.path}:{fact.line}:{fact.name}", fact.name, fact.kind, result.path, fact.line, name, fact.function, fact.detail)
            for fact in result.structure.entries]


def _scope_of(path: str, scopes) -> str:
    """One scope per path: the scan's (configured test/example paths), else the path conventions."""
    return (scopes or {}).get(path) or scope_for(path)


def _scoped(entries: list, scopes) -> list:
    return [replace(e, scope=_scope_of(e.path, scopes)) for e in entries]


def _console_scripts(root: Path, resolver: _Resolver, modules: dict) -> list:
    """[project.scripts] and Poetry scripts: `name = "pkg.module:function"`."""
    pyproject = root / "pyproject.toml" if root.is_dir() else None
    if pyproject is None or not pyproject.is_file():
        return []
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        scripts = dict(data.get("project", {}).get("scripts", {}) or {})
        scripts.update(data.get("tool", {}).get("poetry", {}).get("scripts", {}) or {})
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError, RecursionError):
        return []  # bad TOML, huge integers, deep nesting, odd shapes: the manifest review reports the file
    entries = []
    for script, spec in sorted(scripts.items()):
        if not isinstance(spec, str) or ":" not in spec:
            continue
        module, _, function = spec.partition(":")
        entries += _resolved_entry(resolver.resolve(f"{module}.{function.split('.')[0]}"), script, "script", spec, modules)
    return entries


def _declared_entries(declared, resolver: _Resolver, modules: dict) -> list:
    """Entry points from the configuration (`[[tool.riskscan.entry_points]]`); unresolvable ones are dropped."""
    entries = []
    for target, name, kind, *_ in declared:
        module, _, function = target.partition(":")
        entries += _resolved_entry(resolver.resolve(f"{module}.{function}"), name or function, kind, target, modules)
    return entries


def _resolved_entry(node, name: str, kind: str, detail: str, modules: dict) -> list:
    if not node or node[0] != "function":
        return []
    path = modules[node[1]].path
    line = modules[node[1]].structure.functions[node[2]].line
    return [EntryPoint(f"{path}:{line}:{name}", name, kind, path, line, node[1], node[2], detail)]


# ------------------------------------------------------------------ reach
def _reach(calls: _Calls, entry: EntryPoint, sites: dict, modules: dict, leads: Optional["_Leads"] = None) -> Reach:
    """Breadth-first over call edges from the entry's function; an unresolved call widens to its
    module, and one on an object of no known type that may lead to AI code (`leads`) is kept as a
    reason the reach may be incomplete."""
    start = ("function", entry.module, entry.function)
    if not _exists(start, modules):
        return Reach()
    seen, widened, unresolved = {start}, set(), []
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target, data in calls.of(node).items():
            if target[0] == "module" and data.get("kind") == "calls_unresolved" and target[1] not in widened:
                widened.add(target[1])
                targets = [("function", target[1], qualname) for qualname in _functions(modules[target[1]])]
            elif target[0] == "function":
                targets = [target]
            else:
                continue
            for function in targets:
                if function not in seen:
                    seen.add(function)
                    queue.append(function)
        if leads is not None:
            unresolved += [(node, name) for name in map(leads.match, sorted(calls.unknown_of(node))) if name]
    reach = Reach()
    reached_modules = {node[1] for node in seen}
    for index, node in sites.items():
        if node in seen:
            reach.sites.add(index)
            if node[1] in widened:
                reach.approximate.add(index)
        elif node[1] in reached_modules and (node[0] == "module" or node[2] == MODULE_BODY):
            # module-level code of a module the entry point uses: it runs, but we cannot say for which call
            reach.sites.add(index)
            reach.approximate.add(index)
    reach.unresolved = tuple(_where(node, name, modules) for node, name in unresolved[:_MAX_UNRESOLVED])
    return reach


def _where(node: tuple, name: str, modules: dict) -> tuple:
    result = modules[node[1]]
    info = result.structure.functions.get(node[2]) if result.structure else None
    return (result.path, info.line if info else 1, node[2], name)


@dataclass(frozen=True)
class _Leads:
    """What makes an unresolved call one that may lead to AI code: its method is named like a
    function that leads there (`names`), it is shaped like a request the code makes elsewhere
    (`tails`: `chat.completions.create`), or, where no request was traced at all but the code shows
    AI use, any call."""

    names: "_LeadingNames"  # answers `name in names`
    tails: frozenset
    any_call: bool = False

    def match(self, call: str) -> str:
        """The name to show for a call that may lead to AI code, "" for one that cannot."""
        parts = call.split(".")
        for start in range(len(parts)):
            tail = ".".join(parts[start:])
            if tail in self.tails:
                return tail
        last = parts[-1]
        return last if self.any_call or last in self.names else ""


def _request_tails(report, sites: dict) -> frozenset:
    """The method chains of the requests the code makes on clients (`messages.create`)."""
    tails = set()
    for index in sites:
        detail = report.findings[index].detail
        if "()." in detail:
            tails.add(detail.rsplit("().", 1)[1])
    return frozenset(tails)


class _LeadingNames:
    """Whether a function or method of a given name leads, through resolved calls, to an AI call site.

    A call the graph cannot resolve (`h.handle()` on a parameter) may run any function of that
    name: when one of them leads to AI code, the entry point's reach is incomplete, never "no AI".
    Only modules that import the AI code (transitively) can call into it, so only their functions
    are followed. Asked name by name, as reach meets unresolved calls: a search starts from the
    functions of that name and stops at the first site; functions a finished search did not lead
    from to any site are remembered as leading nowhere."""

    def __init__(self, calls: _Calls, sites: dict, site_modules: dict):
        self.calls = calls
        self.targets = {node for node in sites.values() if node[0] == "function"}
        self.allowed = frozenset().union(*site_modules.values()) & set(calls.modules) if self.targets else frozenset()
        self.answers: dict = {}
        self.nowhere: set = set()

    def __contains__(self, name: str) -> bool:
        answer = self.answers.get(name)
        if answer is None:
            answer = self.answers[name] = self._leads(name)
        return answer

    @cached_property
    def by_name(self) -> dict:
        """Short name -> the function nodes of that name in the modules that may call into AI code."""
        named: dict = {}
        for module in sorted(self.allowed):
            for qualname in _functions(self.calls.modules[module]):
                if qualname not in (MODULE_BODY, "__main__"):
                    named.setdefault(qualname.rsplit(".", 1)[-1], []).append(("function", module, qualname))
        return named

    def _leads(self, name: str) -> bool:
        if not self.targets:
            return False
        start = [n for n in self.by_name.get(name, ()) if n not in self.nowhere]
        start += [n for n in self.targets if n[2].rsplit(".", 1)[-1] == name and n[2] not in (MODULE_BODY, "__main__")]
        seen, queue = set(start), deque(start)
        while queue:
            node = queue.popleft()
            if node in self.targets:
                return True
            if node[1] not in self.allowed:
                continue
            for target in self.calls.of(node):
                if target[0] == "function" and target not in seen and target not in self.nowhere:
                    seen.add(target)
                    queue.append(target)
        self.nowhere |= seen
        return False


def _with_aliases(reach: Reach, aliases: dict) -> Reach:
    """A module-level client or adapter is reached with the uses inside functions it stands for."""
    for index, used_in in aliases.items():
        reached = [i for i in used_in if i in reach.sites]
        if reached:
            reach.sites.add(index)
            if all(i in reach.approximate for i in reached):
                reach.approximate.add(index)
    return reach


def _site_modules(imports: dict, sites: dict) -> dict:
    """Site -> modules that fail with it: its own module and every module importing it, transitively."""
    importers_of: dict = {}  # module -> modules importing it at run time
    for source, targets in imports.items():
        for target, data in targets.items():
            if not data["type_only"]:
                importers_of.setdefault(target, set()).add(source)
    cache: dict = {}
    result = {}
    for index, node in sites.items():
        module = node[1]
        if module not in cache:
            importers = {module}
            queue = deque([module])
            while queue:
                for importer in importers_of.get(queue.popleft(), ()):
                    if importer not in importers:
                        importers.add(importer)
                        queue.append(importer)
            cache[module] = frozenset(importers)
        result[index] = cache[module]
    return result
