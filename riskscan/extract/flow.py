"""Values that flow through a module's own functions and classes: what a function, method or
property returns, what `self.x` holds, what a typed parameter or annotated attribute is.

One level of inference across the module, the way code is really written: a client built in a
factory (`get_client()`, `self._client()`, a `@property` or `@cached_property`), stored on
`self` in `__init__` and used in another method (of the class or a subclass in the module),
passed as a typed parameter (`client: OpenAI`, `Optional["AsyncOpenAI"]`). What the walk has
already seen is used at once; a use that comes before its definition in the file is recorded as
a miss, and when the finished tables resolve a miss to a provider, the module is walked once
more with those tables as hints (see `extract_module`). Files that need it are few, and only
they pay for the second walk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

import libcst as cst

from .syntax import string_value
from .values import Value

CLASS = ".class:"  # path prefix of a class of this module (".class:Bot"), and of its instances (".class:Bot()")
PROPERTY_DECORATORS = {"property", "cached_property"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEPTH = 4  # how far one table entry may point at another (`return self.client` -> `__init__`)


@dataclass
class Tables:
    """What a walk learned about the module's own names, as table entries: a Value, or a pointer
    (`("returns", key)`, `("attr", class, name)`) resolved when asked."""

    returns: dict = field(default_factory=dict)  # "f" / "Class.method" -> [entry]
    attrs: dict = field(default_factory=dict)  # class -> {attr: [entry]}
    bases: dict = field(default_factory=dict)  # class -> (base class names)
    sdk_bases: dict = field(default_factory=dict)  # class -> instance Value of the SDK client class it extends
    methods: dict = field(default_factory=dict)  # class -> names of the methods it defines
    fields: dict = field(default_factory=dict)  # class -> names its body declares with an annotation (`client: Any = None`)
    names: set = field(default_factory=set)  # every name the tables hold, to answer most look-ups at once

    def note(self, table: dict, key: str, entry, name: str) -> None:
        table.setdefault(key, []).append(entry)
        self.names.update((name, key))


class FlowMixin:
    """Records returns and attribute values during the walk, and answers lookups from them."""

    def _init_flow(self, hints: Optional[Tables]) -> None:
        self.flow = Tables()
        self.hints = hints  # the tables of a previous walk of the same module, or None
        self.misses: set = set()  # table keys asked for before the walk had seen them
        self.classes: list = []  # keys of the enclosing classes
        self.functions: list = []  # (key, class key of a method or None, is a property)
        self.global_names: list = []  # per function: names declared `global`
        self.late_derived: list = []  # (binding, vendor) for bindings a hint names before the walk made them
        self._chains: dict = {}

    # --- recording ---------------------------------------------------------------------------
    def _enter_class(self, node: cst.ClassDef) -> None:
        key = ".".join(self.names)
        self.classes.append(key)
        bases = tuple(cst.helpers.get_full_name_for_node(arg.value) or "" for arg in node.bases if arg.keyword is None)
        self.flow.bases[key] = bases
        self.flow.attrs.setdefault(key, {})
        self.flow.fields[key] = frozenset(item.target.value for line in node.body.body if isinstance(line, cst.SimpleStatementLine)
                                          for item in line.body if isinstance(item, cst.AnnAssign) and isinstance(item.target, cst.Name))
        for arg in node.bases:  # `class Gemini(GenerativeModel)`: its instances are that SDK's clients
            inherited = self._instance_of(self.value_of(arg.value)) if arg.keyword is None else None
            if inherited is not None:
                self.flow.sdk_bases[key] = inherited
                self.flow.names.add(key)
                break

    def _leave_class(self) -> None:
        self.classes.pop()

    def _enter_function(self, node: cst.FunctionDef) -> None:
        """Called with the function's name already on `self.names` and its scope open."""
        owner = self.classes[-1] if self.classes and self.classes[-1] == ".".join(self.names[:-1]) else None
        key = ".".join(self.names)
        prop = owner is not None and any(_decorator_name(d) in PROPERTY_DECORATORS for d in node.decorators)
        self.functions.append((key, owner, prop))
        if owner is not None:
            self.flow.methods.setdefault(owner, set()).add(node.name.value)
        self.global_names.append(set())
        declared = self.annotation_value(node.returns.annotation) if node.returns is not None else None
        if declared is not None:
            self.flow.note(self.flow.returns, key, declared, node.name.value)
        for position, element in enumerate(_tuple_elements(node.returns.annotation) if node.returns is not None else ()):
            typed = self.annotation_value(element) if element is not None else None  # `-> tuple[OpenAI, str]`
            if typed is not None:
                self.flow.note(self.flow.returns, f"{key}[{position}]", typed, f"{node.name.value}[{position}]")
        if prop:
            self.flow.note(self.flow.attrs[owner], node.name.value, ("returns", None, key), node.name.value)
        params = list(node.params.params) + list(node.params.kwonly_params) + list(node.params.posonly_params)
        for param in params[1:] if owner is not None else params:
            if param.annotation is not None:
                typed = self.annotation_value(param.annotation.annotation) or _literal_strings(param.annotation.annotation)
                if typed is not None:
                    self.bind(param.name.value, typed)

    def _leave_function(self) -> None:
        self.functions.pop()
        self.global_names.pop()

    def leave_Return(self, node: cst.Return) -> None:
        if self.functions and node.value is not None:
            key = self.functions[-1][0]
            self.returned_call(key, node.value)
            entry = self._entry(node.value)
            if entry is not None:
                self.flow.note(self.flow.returns, key, entry, key.rpartition(".")[2])
            if isinstance(node.value, cst.Tuple):  # `return client, model`: each position, for `a, b = f()`
                for position, element in enumerate(node.value.elements):
                    if isinstance(element, cst.StarredElement):
                        break  # the positions after `*rest` are not known
                    entry = self._entry(element.value)
                    if entry is not None:
                        self.flow.note(self.flow.returns, f"{key}[{position}]", entry, f"{key.rpartition('.')[2]}[{position}]")

    def visit_Global(self, node: cst.Global) -> None:
        if self.global_names:
            self.global_names[-1].update(item.name.value for item in node.names)

    def record_global(self, name: str, value: Optional[Value]) -> None:
        """`global _client; _client = OpenAI()` inside a function sets the module's name."""
        if self.global_names and name in self.global_names[-1]:
            self.scopes[0][name] = value

    def record_self_attr(self, name: str, value: Optional[Value], value_node) -> None:
        """`self.client = ...` in any method of the enclosing class."""
        entry = value if value is not None and value.vendor and not value.result else None
        entry = entry or (self._entry(value_node) if value_node is not None else None)
        if entry is not None and self.classes:
            self.flow.note(self.flow.attrs[self.classes[-1]], name, entry, name)

    def record_field_value(self, target: cst.Subscript, value: Optional[Value], value_node) -> None:
        """`values["client"] = OpenAI()` in a method, `values` its parameter and "client" a field
        its class declares: a validator that runs before the object is built (pydantic's
        `@model_validator(mode="before")`, `@root_validator(pre=True)`) fills the values its fields
        are set from, so `self.client` holds what it stores."""
        owner = self.functions[-1][1] if self.functions else None
        if owner is None or not isinstance(target.value, cst.Name) or target.value.value not in self.signatures[-1]:
            return
        index = target.slice[0].slice if len(target.slice) == 1 else None
        name = string_value(index.value) if isinstance(index, cst.Index) else None
        if name is not None and name in self.flow.fields.get(owner, ()):
            self.record_self_attr(name, value, value_node)

    def record_annotated(self, target, annotation) -> Optional[Value]:
        """`client: OpenAI` in a class body, `self._client: Optional[OpenAI] = None`: the declared type."""
        typed = self.annotation_value(annotation)
        if typed is None:
            return None
        in_class_body = self.classes and self.classes[-1] == ".".join(self.names)
        if isinstance(target, cst.Name) and in_class_body:
            self.flow.note(self.flow.attrs[self.classes[-1]], target.value, typed, target.value)
        return typed

    def _entry(self, node) -> Optional[object]:
        """A table entry for an expression: its Value when it reaches a provider, else a pointer
        to another entry (`self._client`, `self._make()`, `make()`), else None."""
        value = self.value_of(node)
        if value is not None and (value.vendor or value.routes):
            return value if not value.result else None  # a factory returns a client, not a response
        if value is not None and value.path.startswith(CLASS) and value.path.endswith("()"):
            return value  # an instance of one of the module's classes
        if isinstance(node, cst.Await):
            node = node.expression
        call = isinstance(node, cst.Call)
        target = node.func if call else node
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self" and self.classes:
            return ("returns" if call else "attr", self.classes[-1], target.attr.value)
        if call and isinstance(target, cst.Name):
            return ("returns", None, target.value)
        return None

    # --- lookups ------------------------------------------------------------------------------
    def returned_value(self, func, position: str = "") -> Optional[Value]:
        """What calling `func` gives when it is a function or method of this module that returns a
        client; with `position` ("[0]"), that item of the tuple it returns."""
        if isinstance(func, cst.Name):
            name = func.value
            for scope in reversed(self.scopes[1:]):
                if name in scope:
                    return None  # a local name or a parameter: not the module's function
            return self._resolve(("returns", None, name + position), 0)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in ("self", "cls") and self.classes:
                return self._resolve(("returns", self.classes[-1], func.attr.value + position), 0)
            if owner in self.flow.bases or (self.hints is not None and owner in self.hints.bases):
                return self._resolve(("returns", owner, func.attr.value + position), 0)  # a static or class method
        return None

    def unpacked_value(self, node, position: int) -> Optional[Value]:
        """One target of `client, model = get_client()` (a factory of this module returning a
        tuple) or of `client, model = OpenAI(), "gpt-4o"`."""
        if isinstance(node, cst.Await):
            node = node.expression
        if isinstance(node, (cst.Tuple, cst.List)):
            elements = node.elements[:position + 1]
            if len(elements) <= position or any(isinstance(e, cst.StarredElement) for e in elements):
                return None
            return self.value_of(elements[position].value)
        if isinstance(node, cst.Call):
            return self.returned_value(node.func, f"[{position}]")
        return None

    def inherited(self, owner: str, name: str) -> Optional[Value]:
        """`self.generate_content` in a subclass of an SDK client class, `m.generate_content` of
        `m = Gemini()`: the SDK's own request surface, when the class does not define the name."""
        if not self.flow.sdk_bases and (self.hints is None or not self.hints.sdk_bases):
            return None
        base = None
        for key in self._chain(owner):
            for tables in (self.flow, self.hints):
                if tables is None:
                    continue
                if name in tables.methods.get(key, ()) or name in tables.attrs.get(key, {}):
                    return None  # the class's own method or attribute
                base = base or tables.sdk_bases.get(key)
        if base is None or name not in self.cat.call_heads(base.vendor):
            return None
        return replace(base, path=f"{base.path}.{name}")

    def module_class_call(self, path: str) -> Value:
        """`Bot(...)`, `bot.get_client()`, `Bot.create()`: an instance of a class of this module, or
        what its method returns; an empty Value when neither is known."""
        rest = path[len(CLASS):]
        if self._is_class(rest):
            return Value(path=f"{path}()")
        owner, instance, method = rest.partition("().")
        if not instance:
            owner, _, method = rest.rpartition(".")
        if owner and method and "(" not in method and "." not in method and self._is_class(owner):
            return self._resolve(("returns", owner, method), 0) or Value()
        return Value()

    def _is_class(self, key: str) -> bool:
        return key in self.flow.bases or key in self.scopes[0] and self.scopes[0][key] is not None \
            and self.scopes[0][key].path == CLASS + key or self.hints is not None and key in self.hints.bases

    def visit_Module(self, node: cst.Module) -> None:
        """The module's classes are known before the walk reaches them: code above a class can
        build it (`model_class = Responses if ... else Chat`)."""
        for statement in node.body:
            if isinstance(statement, cst.ClassDef):
                self.scopes[0][statement.name.value] = Value(path=CLASS + statement.name.value)

    def instance_attr(self, path: str, name: str) -> Optional[Value]:
        """`bot.client` where `bot = Bot()`: what the class's methods store on `self.client`."""
        owner = path[len(CLASS):-2]
        return self._resolve(("attr", owner, name), 0, record=False) or self.inherited(owner, name)

    def self_attr(self, name: str) -> Optional[Value]:
        """What `self.<name>` holds in the enclosing class, its bases in the module, or a property."""
        if not self.classes:
            return None
        return self._resolve(("attr", self.classes[-1], name), 0) or self.inherited(self.classes[-1], name)

    def _resolve(self, pointer: tuple, depth: int, record: bool = True) -> Optional[Value]:
        kind, owner, name = pointer
        if name not in self.flow.names and (self.hints is None or name not in self.hints.names):
            if record and depth == 0:
                self.misses.add(pointer)
            return None
        for key in self._chain(owner) if owner is not None else (None,):
            for tables in (self.flow, self.hints):
                entries = _entries(tables, kind, key, name) if tables is not None else None
                if entries:
                    found = self._first_value(entries, depth)
                    if found is not None:
                        return found
        if record and depth == 0:
            self.misses.add(pointer)
        return None

    def _first_value(self, entries: list, depth: int) -> Optional[Value]:
        for entry in entries:
            if isinstance(entry, Value):
                return entry
        if depth < _DEPTH:
            for entry in entries:
                found = self._resolve(entry, depth + 1, record=False)
                if found is not None:
                    return found
        return None

    def _chain(self, owner: str) -> list:
        """The class and its base classes defined in this module, nearest first (kept until
        the walk meets another class, which may be a base)."""
        key = (owner, len(self.flow.bases))
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._bases_of(owner)
        return chain

    def _bases_of(self, owner: str) -> list:
        chain, queue = [], [owner]
        while queue and len(chain) < 16:
            key = queue.pop(0)
            if key in chain:
                continue
            chain.append(key)
            for tables in (self.flow, self.hints):
                if tables is not None and key in tables.bases:
                    queue += [b for b in tables.bases[key] if b]
        return chain

    def annotation_value(self, node) -> Optional[Value]:
        """The client or adapter instance a type annotation declares: `OpenAI`, `Optional[AsyncOpenAI]`,
        `"OpenAI | None"`; None for anything else."""
        if type(node) is cst.Name:  # the common case, `str` or `OpenAI`: one look-up
            value = self.lookup(node.value)
            return self._instance_of(value) if value is not None and value.binding is not None else None
        text = string_value(node)
        if text is not None:
            if not any(getattr(self.lookup(name), "binding", None) is not None for name in _IDENTIFIER.findall(text)):
                return None  # no imported provider class is named: no need to parse the string
            try:
                node = cst.parse_expression(text)
            except (cst.ParserSyntaxError, RecursionError, ValueError):
                return None
        if isinstance(node, cst.Subscript):  # Optional[X], Union[X, None], Annotated[X, ...]
            for element in node.slice:
                inner = element.slice.value if isinstance(element.slice, cst.Index) else None
                typed = self.annotation_value(inner) if inner is not None else None
                if typed is not None:
                    return typed
            return None
        if isinstance(node, cst.BinaryOperation):  # X | None
            return self.annotation_value(node.left) or self.annotation_value(node.right)
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        return self._instance_of(self.value_of(node))

    def _instance_of(self, value: Optional[Value]) -> Optional[Value]:
        """An instance of the client or adapter class `value` names."""
        entry = self.cat.entry_for(value.path) if value is not None and value.path and not value.vendor else None
        if entry is None or entry.discriminator:
            return None
        return Value(path=f"{value.path}()", vendor=entry.vendor, binding=value.binding, kind=entry.kind, feature=entry.feature)

    # --- the second walk ----------------------------------------------------------------------
    def hints_for_second_walk(self) -> Optional[Tables]:
        """The tables to walk the module again with, when they resolve a use the walk met too early."""
        if not self.misses:
            return None
        if not any(getattr(self._resolve(miss, 0, record=False), "vendor", None) for miss in self.misses):
            return None
        # finding indices belong to this walk: the next one numbers its findings afresh
        return Tables(
            returns={k: [_portable(e) for e in v] for k, v in self.flow.returns.items()},
            attrs={c: {a: [_portable(e) for e in v] for a, v in attrs.items()} for c, attrs in self.flow.attrs.items()},
            bases=dict(self.flow.bases), names=set(self.flow.names),
            sdk_bases={c: _portable(v) for c, v in self.flow.sdk_bases.items()}, methods=dict(self.flow.methods),
        )


def _entries(tables: Tables, kind: str, key: Optional[str], name: str) -> Optional[list]:
    if kind == "returns":
        return tables.returns.get(f"{key}.{name}" if key else name)
    attrs = tables.attrs.get(key)
    return attrs.get(name) if attrs else None


def _literal_strings(annotation) -> Optional[Value]:
    """The strings a parameter typed `Literal["bedrock-runtime", "bedrock"]` takes."""
    if not isinstance(annotation, cst.Subscript) or (cst.helpers.get_full_name_for_node(annotation.value) or "").rsplit(".", 1)[-1] != "Literal":
        return None
    strings = tuple(string_value(e.slice.value) if isinstance(e.slice, cst.Index) else None for e in annotation.slice)
    return Value(choices=strings) if strings and None not in strings else None


def _tuple_elements(annotation) -> list:
    """The item types of `tuple[OpenAI, str]` / `Tuple[...]`; empty for any other annotation."""
    if not isinstance(annotation, cst.Subscript) or (cst.helpers.get_full_name_for_node(annotation.value) or "").rsplit(".", 1)[-1] not in ("tuple", "Tuple"):
        return []
    return [e.slice.value if isinstance(e.slice, cst.Index) else None for e in annotation.slice]


def _portable(entry):
    return replace(entry, site=None, routes=()) if isinstance(entry, Value) else entry


def _decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
    return (cst.helpers.get_full_name_for_node(target) or "").rsplit(".", 1)[-1]
