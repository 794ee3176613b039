"""Stage 2b: the shape of a module for the call graph: its functions, what they call, its entry points.

This uses the stdlib `ast` on every file (about a tenth of libcst's cost), because the graph
needs all modules while vendor evidence (libcst, extract.py) is only needed where a vendor can
appear. Names are resolved the way Python resolves them: imports to absolute dotted paths,
module-level definitions to `module.name`, `self.m()` to the enclosing class.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Optional

from . import switch_facts
from .discover import absolute_module

MODULE_BODY = "<module>"
_ROUTE_CALLS = ("path", "re_path", "url", "Route", "WebSocketRoute", "APIRoute")
_HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket", "trace"}
_TASK_DECORATORS = {"task", "shared_task", "periodic_task", "job", "actor"}
_CLI_DECORATORS = {"command"}
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case, ast.mod)  # nodes that hold statements
_COLLECTIONS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
_SCALAR_FIELDS = {"ctx", "id", "attr", "arg", "kind", "type_comment", "is_async", "conversion", "level"}


class _ChildFields(dict):
    """Node type -> the fields that can hold nodes (not `ctx`, names, flags), learnt on first sight.

    Walking these directly is several times faster than `ast.iter_child_nodes`; a look-up is one
    dict access, so the hot loops here and in extract/positions.py index it for every node.
    """

    def __missing__(self, kind: type) -> tuple:
        fields = self[kind] = tuple(f for f in getattr(kind, "_fields", ()) if f not in _SCALAR_FIELDS)
        return fields


CHILD_FIELDS = _ChildFields()


@dataclass
class FunctionInfo:
    qualname: str  # "func", "Class.method", "outer.inner", or MODULE_BODY / "__main__"
    line: int
    calls: set = field(default_factory=set)  # dotted targets, absolute where resolvable
    is_class: bool = False
    bases: tuple = ()  # a class's base classes, dotted (absolute where resolvable): inherited methods
    refs: set = field(default_factory=set)  # functions named as values (`{"a": run_a}`): called by whoever picks one
    unknown: set = field(default_factory=set)  # calls on objects of no known type, by the names after it (`chat.completions.create`)


@dataclass
class EntryFact:
    name: str
    kind: str  # http, cli, task, lambda, main, script, django
    line: int
    function: str  # qualname of the function that runs, "__main__" for a main block
    detail: str = ""  # route path, command name


@dataclass
class ModuleStructure:
    functions: dict = field(default_factory=dict)  # qualname -> FunctionInfo
    names: dict = field(default_factory=dict)  # local name -> absolute dotted target (imports)
    entries: list = field(default_factory=list)
    imports: list = field(default_factory=list)  # (module, level, names, line, type_only)
    url_views: list = field(default_factory=list)  # Django: (dotted view, line, route)
    switches: list = field(default_factory=list)  # switch_facts.SwitchFact: registries and branches on a name


def module_structure(tree: ast.Module, module: str, is_package: bool) -> ModuleStructure:
    """Collect functions, calls, imports and entry points of one parsed module."""
    collector = _Collector(module, is_package)
    collector.visit(tree)
    return collector.result


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.result = ModuleStructure()
        self.stack: list = []  # enclosing FunctionInfo qualnames
        self.classes: list = []
        self.current = self._function(MODULE_BODY, 1)
        self.type_checking = 0
        self.locals: list = []  # per function: name -> dotted type target of `name = Cls(...)`
        self.attrs: list = []  # per class: attribute -> dotted type target of `self.attr = Cls(...)`
        self.covered: set = set()  # elif nodes already recorded as options of a switch
        self.flags: dict = {}  # name -> the value last assigned to it: a flag when it reads configuration

    def _function(self, qualname: str, line: int, is_class: bool = False) -> FunctionInfo:
        info = self.result.functions.get(qualname)
        if info is None:
            info = self.result.functions[qualname] = FunctionInfo(qualname, line, is_class=is_class)
        return info

    # -- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.result.imports.append((alias.name, 0, (), node.lineno, self.type_checking > 0))
            local = alias.asname or alias.name.split(".")[0]
            self.result.names[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self.absolute(node.module or "", node.level)
        names = tuple(a.name for a in node.names)
        self.result.imports.append((node.module or "", node.level, names, node.lineno, self.type_checking > 0))
        for alias in node.names:
            if alias.name != "*":
                self.result.names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def absolute(self, module: str, level: int) -> str:
        return absolute_module(module, level, self.package) or ""

    # -- definitions
    def visit_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test) and not self.stack:
            previous, self.current = self.current, self._function("__main__", node.lineno)
            self.result.entries.append(EntryFact("__main__", "main", node.lineno, "__main__"))
            for child in node.body:
                self.visit(child)
            self.current = previous
            for child in node.orelse:
                self.visit(child)
            return
        nodes = switch_facts.chain(node) if id(node) not in self.covered else ()
        self.covered.update(map(id, nodes))
        checking = _dotted(node.test).endswith("TYPE_CHECKING")
        self.type_checking += checking
        self.generic_visit(node)
        self.type_checking -= checking
        if nodes:  # after the branches, so imports inside them resolve
            self._switch(switch_facts.branch_chain(nodes, self.owner(), self.resolve))
        elif id(node) not in self.covered:
            self._switch(switch_facts.flag_branch(node, self.owner(), self.resolve, self.flags))

    def visit_FunctionDef(self, node) -> None:
        qualname = ".".join(self.stack + [node.name])
        for decorator in node.decorator_list:
            self.visit(decorator)
            self._entry_from_decorator(decorator, node, qualname)
        if not self.stack and node.name in ("lambda_handler", "handler") and len(node.args.args) == 2:
            self.result.entries.append(EntryFact(node.name, "lambda", node.lineno, qualname))
        previous, self.current = self.current, self._function(qualname, node.lineno)
        self.stack.append(node.name)
        self.locals.append({})
        for child in node.body:
            self.visit(child)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None:
                self.visit(default)
        self.locals.pop()
        self.stack.pop()
        self.current = previous

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        qualname = ".".join(self.stack + [node.name])
        info = self._function(qualname, node.lineno, is_class=True)
        info.bases = tuple(filter(None, (self.resolve(base) for base in node.bases)))
        for decorator in node.decorator_list:
            self.visit(decorator)
            fact = switch_facts.registration(decorator, f"{self.module}.{qualname}")
            self._switch(replace(fact, owner=self.resolve(decorator.func) or fact.owner) if fact else None)
        self.stack.append(node.name)
        self.classes.append(node.name)
        self.attrs.append({})
        for child in node.body:
            self.visit(child)
        self.attrs.pop()
        self.classes.pop()
        self.stack.pop()

    def visit_Match(self, node) -> None:
        self.generic_visit(node)
        self._switch(switch_facts.match_cases(node, self.owner(), self.resolve))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.value, ast.Dict):
            self._switch(switch_facts.registry(node.value, node.lineno, self.owner(), self.resolve))
        self.generic_visit(node)

    def _switch(self, fact) -> None:
        if fact is not None:
            self.result.switches.append(fact)

    def owner(self) -> str:
        """Where a switch lives: the class for a class attribute, else the running function."""
        if self.stack and self.classes and self.stack[-1] == self.classes[-1]:
            return ".".join(self.stack)
        return self.current.qualname

    def visit_Assign(self, node: ast.Assign) -> None:
        """`x = Cls(...)` and `self.x = Cls(...)`: later `x.m()` calls resolve to `Cls.m`."""
        if isinstance(node.value, ast.Dict):
            self._switch(switch_facts.registry(node.value, node.lineno, self.owner(), self.resolve))
        # `use_litellm = cfg.get("USE_LITELLM") == "true"`: kept, and judged only if an if/else tests the name
        self.flags.update((t.id, node.value) for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)
        target = self.resolve(node.value.func) if isinstance(node.value, ast.Call) else None
        target = None if target and _imports_at_run_time(target) else target  # a module named at run time: unknown
        for name in node.targets:
            if isinstance(name, ast.Name):
                scope = self.locals[-1] if self.locals else self.result.names
                scope[name.id] = f"{target}()" if target else None
            elif isinstance(name, ast.Attribute) and isinstance(name.value, ast.Name) and name.value.id == "self" and self.attrs:
                self.attrs[-1][name.attr] = f"{target}()" if target else None

    # -- calls
    def generic_visit(self, node) -> None:
        """Statements dispatch as usual; an expression is searched for calls in one tight loop,
        since nothing inside an expression but a call matters here (and visiting every node
        through NodeVisitor's dispatch costs more than parsing)."""
        if not isinstance(node, _BLOCKS):
            self._calls_in(node)
            return
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, _BLOCKS):
                        self.visit(item)
                    elif isinstance(item, ast.AST):
                        self._calls_in(item)
            elif isinstance(value, ast.AST):
                self._calls_in(value)

    def _calls_in(self, node) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            kind = type(current)
            if kind is ast.Call:
                self._call(current)
            elif kind in _COLLECTIONS and self.current.qualname != MODULE_BODY:
                self._references(current)
            for name in CHILD_FIELDS[kind]:
                value = getattr(current, name, None)
                if type(value) is list:
                    stack.extend(value)
                elif isinstance(value, ast.AST):
                    stack.append(value)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)

    def _references(self, node) -> None:
        """`{"a": run_a, "b": run_b}[name]()`, `for step in (load, embed)`: a function named as a
        value in a literal inside a function is called by whoever picks it (the graph keeps only
        those that resolve to functions)."""
        for value in node.values if type(node) is ast.Dict else node.elts:
            if type(value) is ast.Name and type(value.ctx) is ast.Load:
                target = self.resolve(value)
                if target:
                    self.current.refs.add(target)

    def _call(self, node: ast.Call) -> None:
        target = self.resolve(node.func)
        if target:
            self.current.calls.add(target)
        elif type(node.func) is ast.Attribute:
            self.current.unknown.add(_attribute_tail(node.func))  # a method of an object whose type is not known here
        if target and target.rsplit(".", 1)[-1] in _ROUTE_CALLS:
            self._route_table_entry(node)
        for arg in list(node.args) + [k.value for k in node.keywords]:
            # a function passed as a callback is called by whoever receives it
            if isinstance(arg, (ast.Name, ast.Attribute)):
                reference = self.resolve(arg)
                if reference and reference.startswith(self.module + "."):
                    self.current.calls.add(reference)

    def _route_table_entry(self, node: ast.Call) -> None:
        """Django `path("x/", view)` and Starlette `Route("/x", endpoint)`: the view is an entry point."""
        handler = node.args[1] if len(node.args) >= 2 else next((k.value for k in node.keywords if k.arg in ("endpoint", "view")), None)
        view = self.resolve(handler) if handler is not None else None
        route = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
        if view:
            self.result.url_views.append((view, node.lineno, str(route)))

    def resolve(self, node) -> Optional[str]:
        """Absolute dotted name of a Name/Attribute chain, or None when it starts at an unknown object.

        A chain on a call's result names what the call gives: `Handler(x).handle` is
        `pkg.Handler().handle` (the graph reads `X()` as an instance of X, or what X returns)."""
        dotted = _dotted(node)
        if not dotted:
            return self._on_call_result(node)
        head, _, rest = dotted.partition(".")
        if head == "self" and self.attrs and rest.split(".")[0] in self.attrs[-1]:
            attr, _, tail = rest.partition(".")
            base = self.attrs[-1][attr]
            return (f"{base}.{tail}" if tail else base) if base else None
        for scope in reversed(self.locals):
            if head in scope:
                return (f"{scope[head]}.{rest}" if rest else scope[head]) if scope[head] else None
        if head in ("self", "cls") and self.classes:
            owner = ".".join(self.stack[: self.stack.index(self.classes[-1]) + 1]) if self.classes[-1] in self.stack else self.classes[-1]
            return f"{self.module}.{owner}.{rest}" if rest else None
        # an imported name, else a name of this module (a local variable resolves to nothing later)
        if head in self.result.names and self.result.names[head] is None:
            return None
        base = self.result.names.get(head) or f"{self.module}.{head}"
        return f"{base}.{rest}" if rest else base

    def _entry_from_decorator(self, decorator, node, qualname: str) -> None:
        call = decorator if isinstance(decorator, ast.Call) else None
        dotted = _dotted(call.func if call else decorator)
        if not dotted:
            return
        last = dotted.rsplit(".", 1)[-1]
        first_arg = call.args[0].value if call and call.args and isinstance(call.args[0], ast.Constant) else ""
        if "." in dotted and last in _HTTP_METHODS:
            self.result.entries.append(EntryFact(node.name, "http", node.lineno, qualname, f"{last.upper()} {first_arg}".strip()))
        elif last in _CLI_DECORATORS:
            self.result.entries.append(EntryFact(node.name, "cli", node.lineno, qualname, str(first_arg or node.name)))
            group = self.result.functions.get(dotted.rpartition(".")[0])
            if group is not None:  # `@main.command()` on a click group: the group runs its commands
                group.refs.add(f"{self.module}.{qualname}")
        elif last in _TASK_DECORATORS:
            self.result.entries.append(EntryFact(node.name, "task", node.lineno, qualname))


    def _on_call_result(self, node) -> Optional[str]:
        attrs = []
        while type(node) is ast.Attribute:
            attrs.append(node.attr)
            node = node.value
        if type(node) is not ast.Call or not attrs:
            return None
        base = self.resolve(node.func)
        return f"{base}().{'.'.join(reversed(attrs))}" if base and not _imports_at_run_time(base) else None


def _attribute_tail(node: ast.Attribute) -> str:
    """`chat.completions.create` of `self.llm[0].chat.completions.create`: the names after the unknown object."""
    names = []
    while type(node) is ast.Attribute:
        names.append(node.attr)
        node = node.value
    return ".".join(reversed(names))


def _imports_at_run_time(target: str) -> bool:
    """`importlib.import_module(name)`, `__import__(name)`: a module (of the project, maybe) the
    walk cannot name; what is called on it is a call of unknown type, not a library's."""
    return target == "importlib.import_module" or target.rsplit(".", 1)[-1] == "__import__"


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):
        return ""
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_main_guard(test) -> bool:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
