"""Stage 2: one pass over a module's libcst tree, resolving names to vendor SDKs and emitting findings.

Names are resolved by a small symbol table of our own rather than libcst's QualifiedNameProvider:
it follows what the scanner needs (import aliases, simple assignments, `self.x`, the result of a
client constructor) at a fraction of the provider's cost. The walk is walk.py's and positions
come from positions.py, both for speed: see there.
"""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace
from typing import Optional

import libcst as cst

from ..model import Finding
from ..redact import redact
from ..ruleset import Catalogue
from .calls import CallsMixin, one_site_per_model_object
from .branches import BranchesMixin
from .credentials import CredentialsMixin
from .service_clients import ServiceClientsMixin
from .fallbacks import FallbacksMixin
from .flow import CLASS, FlowMixin, Tables
from .imported import ImportedValuesMixin
from .imports import ImportsMixin
from .models import MODEL_NAME, ModelsMixin
from .positions import LibcstPositions, PositionMismatch, StdlibPositions
from .strings import StringsMixin
from .syntax import alternatives, first_arg, literal_rows, param_names, string_parts, string_value
from .values import Value
from .walk import Walk

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's line ends; str.splitlines also splits at form feeds


class ModuleExtractor(ImportsMixin, CallsMixin, ModelsMixin, StringsMixin, CredentialsMixin, FallbacksMixin, FlowMixin,
                      ServiceClientsMixin, ImportedValuesMixin, BranchesMixin):
    """Collects findings and import facts for one module (or a notebook's joined cells).

    Each mixin owns one kind of evidence; this class owns the scopes and the findings list.
    """

    def __init__(self, catalogue: Catalogue, lines: list, positions: LibcstPositions,
                 first_party: frozenset = frozenset(), package: Optional[str] = None, hints: Optional[Tables] = None,
                 imported: Optional[dict] = None):
        self.cat = catalogue
        self.positions = positions
        self.numbers: dict = {}  # id(node) -> (kind, n), filled by the walk
        self.package = package  # the package relative imports start from; None outside a package
        self.lines = lines
        self.first_party = first_party
        self.findings: list = []
        self.seen: dict = {}
        self.imports: list = []
        self.bindings: list = []
        self.scopes: list = [{}]
        self.class_attrs: list = []  # stack of {attr: Value} for `self.attr`
        self.call_values: dict = {}
        self.names: list = []  # enclosing function/class names
        self.type_checking = 0
        self.prose = 0
        self.in_assert = 0
        self.comparing = 0
        self.retrying = 0  # inside a function wrapped by @retry / @backoff.on_exception
        self.docstrings: set = set()
        self.skip_strings: set = set()
        self.string_parts: set = set()  # the pieces of an implicitly concatenated string
        self.removed: set = set()  # targets of `del`
        self.tries: list = []  # stack of (try_id, part)
        self.try_members: dict = {}  # finding index -> [(try_id, part)]
        self.handler_calls: list = []  # (try_id, function name) called from an except handler
        self.normal_calls: set = set()  # names of the module's functions called outside any except handler
        self.function_findings: dict = {}  # function name -> finding indices
        self.function_depth = 0
        self._init_flow(hints)
        self._init_branches()
        self._init_factories()
        self._init_imported(imported)  # values other modules of the project export (cross_module.py)
        self.model_collections: dict = {}  # name of a collection of model names -> its finding indices
        self.default_endpoints: dict = {}  # SDK vendor -> provider its endpoint variable was set to (credentials.py)
        self.variable_names: dict = {}  # name -> the environment variable it was read from (credentials.py)

    def _pos(self, node: cst.CSTNode) -> tuple:
        return self.positions.of(node, self.numbers.get(id(node)))

    def add(self, node, vendor: str, kind: str, detail: str = "", **extra) -> Optional[int]:
        line, column = self._pos(node) if not isinstance(node, tuple) else node
        key = (line, column, vendor, kind, detail)  # a call chain's calls share their start position
        if key in self.seen:
            return self.seen[key]
        snippet = self.lines[line - 1].strip()[:240] if 0 < line <= len(self.lines) else ""
        if self.retrying and kind in ("call", "adapter", "model_string"):
            extra.setdefault("retry", True)
        finding = Finding(
            vendor=vendor, kind=kind, path="", line=line, column=column, snippet=redact(snippet, self.cat),
            detail=detail, function=".".join(self.names), **extra,
        )
        index = len(self.findings)
        self.findings.append(finding)
        self.seen[key] = index
        if self.tries:
            self.try_members[index] = list(self.tries)
        if self.names:
            self.function_findings.setdefault(self.names[0] if len(self.names) == 1 else ".".join(self.names), []).append(index)
            self.function_findings.setdefault(self.names[-1], []).append(index)
        return index

    def bind(self, name: str, value: Optional[Value]) -> None:
        if self.branch_stack:
            self.note_binding(name, value)
        self.scopes[-1][name] = value

    def lookup(self, name: str) -> Optional[Value]:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def value_of(self, node: cst.CSTNode) -> Optional[Value]:
        """The Value an expression stands for, or None when it is not statically known."""
        if isinstance(node, cst.Name):
            return self.lookup(node.value)
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == "self" and self.class_attrs:
                found = self.class_attrs[-1].get(node.attr.value) or self.self_attr(node.attr.value)
                if found is not None:
                    return found
            base = self.value_of(node.value)
            if base is None or not base.path:
                return None
            if base.path.startswith(CLASS) and base.path.endswith("()"):  # `bot.client` of `bot = Bot()`
                found = self.instance_attr(base.path, node.attr.value)
                if found is not None:
                    return found
            return replace(base, path=f"{base.path}.{node.attr.value}", text=None, node=None)
        if isinstance(node, cst.Call):
            return self.call_values.get(id(node))
        if isinstance(node, cst.Await):
            return self.value_of(node.expression)
        if isinstance(node, cst.Subscript) and isinstance(node.value, (cst.Name, cst.Attribute)):
            base = self.value_of(node.value)  # Agent[Deps, Output](...) is Agent(...)
            if base is not None and base.path and not base.path.endswith("()"):
                return base
            return None
        if isinstance(node, (cst.BooleanOperation, cst.IfExp)):
            # `cfg.url or os.getenv("X") or "https://api.x.ai/v1"`: the literal is what runs by default
            for option in alternatives(node):
                value = self.value_of(option)
                if value is not None and (value.text is not None or value.vendor or value.path.startswith(CLASS)):
                    return value
            return None
        text = string_value(node)
        if text is not None:
            return Value(text=text)
        if isinstance(node, (cst.List, cst.Tuple, cst.Dict)):
            return Value(node=node)
        if isinstance(node, cst.DictComp):
            return self._dict_copied(node)
        return None

    def _dict_copied(self, node: cst.DictComp) -> Optional[Value]:
        """`{k: v for k, v in params.items() if v}`: a filtered copy of a dict literal, whose keys
        and values are the literal's (what `**params` passes is read from it)."""
        loop = node.for_in
        source = loop.iter.func if isinstance(loop.iter, cst.Call) and not loop.iter.args else None
        if node.for_in.inner_for_in is not None or not isinstance(source, cst.Attribute) or source.attr.value != "items":
            return None
        if not (isinstance(loop.target, cst.Tuple) and len(loop.target.elements) == 2 and isinstance(node.key, cst.Name)
                and isinstance(node.value, cst.Name)):
            return None
        names = [e.value.value if isinstance(e.value, cst.Name) else None for e in loop.target.elements]
        copied = self.value_of(source.value)
        return copied if names == [node.key.value, node.value.value] and copied is not None and isinstance(copied.node, cst.Dict) else None

    def vendor_of_path(self, path: str) -> Optional[tuple]:
        """(vendor, kind, root) for a dotted path inside an SDK or a provider-specific adapter package."""
        hit = self.cat.root_vendor(path, self.cat.sdk_roots)
        if hit:
            return hit[1], "call", hit[0]
        hit = self.cat.root_vendor(path, self.cat.adapter_roots)
        if hit:
            return hit[1], "adapter", hit[0]
        return None

    def visit_If(self, node: cst.If) -> None:
        test = cst.helpers.get_full_name_for_node(node.test) or ""
        if test.split(".")[-1] == "TYPE_CHECKING":
            self.type_checking += 1
        else:
            self.enter_branches(node)

    def leave_If(self, node: cst.If) -> None:
        test = cst.helpers.get_full_name_for_node(node.test) or ""
        if test.split(".")[-1] == "TYPE_CHECKING":
            self.type_checking -= 1
        else:
            self.leave_branches(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for statement in node.body:
            if isinstance(statement, cst.Expr) and string_value(statement.value) is not None:
                self.docstrings.add(id(statement.value))
                for part in string_parts(statement.value):
                    self.docstrings.add(id(part))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.retrying += any(_is_retry_decorator(d.decorator) for d in node.decorators)
        self.bind(node.name.value, None)
        self.names.append(node.name.value)
        self.scopes.append({})
        self.function_depth += 1
        for param in param_names(node.params):
            self.bind(param, None)
        self.enter_signature(node)
        self._enter_function(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.retrying -= any(_is_retry_decorator(d.decorator) for d in node.decorators)
        self._leave_function()
        self.leave_signature()
        self.names.pop()
        self.scopes.pop()
        self.function_depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append({param: None for param in param_names(node.params)})

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value, Value(path=CLASS + ".".join(self.names + [node.name.value])))
        self.names.append(node.name.value)
        self.scopes.append({})
        self.class_attrs.append({})
        self._enter_class(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._leave_class()
        self.names.pop()
        self.scopes.pop()
        self.class_attrs.pop()

    def leave_Assign(self, node: cst.Assign) -> None:
        value = self.value_of(node.value)
        for target in node.targets:
            self._assign(target.target, value, node.value)
            self.endpoint_written(target.target, value)
            self.variable_assigned(target.target, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        value = self.value_of(node.value) if node.value is not None else None
        if value is None or not value.vendor:  # `self._client: Optional[OpenAI] = None`: the declared type
            value = self.record_annotated(node.target, node.annotation.annotation) or value
        if node.value is not None or value is not None:
            self._assign(node.target, value, node.value)
        else:
            self.setting_field(node.target)

    def _assign(self, target, value: Optional[Value], value_node) -> None:
        if value_node is not None and isinstance(target, (cst.Name, cst.Attribute)) and (
                value is None or isinstance(value_node, cst.BooleanOperation)):
            value = self._setting_read(target, value_node) or value
        if isinstance(target, cst.Name):
            self.bind(target.value, value)
            self.record_global(target.value, value)
            self.setting_field(target)
            self._named_model(target.value, value_node)
        elif isinstance(target, cst.Attribute):
            if isinstance(target.value, cst.Name) and target.value.value == "self" and self.class_attrs:
                self.class_attrs[-1][target.attr.value] = value
                self.record_self_attr(target.attr.value, value, value_node)
            self._named_model(target.attr.value, value_node)
        elif isinstance(target, cst.Subscript):
            self.record_field_value(target, value, value_node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for position, element in enumerate(target.elements):
                self._assign(element.value, self.unpacked_value(value_node, position) if value_node is not None else None, None)

    def _setting_read(self, target, value_node) -> Optional[Value]:
        """`model = settings.llm_model`, `self.model = config.get("model")`: a model name read from
        configuration, kept for a router call that uses the name later."""
        name = target.value if isinstance(target, cst.Name) else target.attr.value
        read = self.configured_read(value_node) if MODEL_NAME.search(name) else None
        return Value(setting=read[0], default=read[1]) if read is not None else None

    def leave_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._assign(node.asname.name, self.value_of(node.item), node.item)

    def visit_For(self, node: cst.For) -> None:
        """A loop over literal strings binds its variable to them (`for key in KEYS: os.getenv(key)`)."""
        self._assign(node.target, None, None)
        source = self.value_of(node.iter)
        rows = literal_rows(source.node if source is not None and source.node is not None else node.iter)
        if not rows:
            return
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, Value(choices=tuple(r[0] for r in rows if len(r) == 1 and r[0])))
        elif isinstance(node.target, (cst.Tuple, cst.List)):
            for position, element in enumerate(node.target.elements):
                if isinstance(element.value, cst.Name):
                    strings = tuple(r[position] for r in rows if len(r) > position and r[position])
                    self.bind(element.value.value, Value(choices=strings))

    def visit_Del(self, node: cst.Del) -> None:
        self.removed.add(id(node.target))  # `del os.environ["X"]` removes a setting: it configures nothing

    def visit_Assert(self, node: cst.Assert) -> None:
        self.in_assert += 1

    def leave_Assert(self, node: cst.Assert) -> None:
        self.in_assert -= 1

    def visit_Raise(self, node: cst.Raise) -> None:
        self.prose += 1

    def leave_Raise(self, node: cst.Raise) -> None:
        self.prose -= 1

    def finish(self, tree: Optional[ast.Module] = None) -> list:
        """The module's findings; its stdlib parse (`tree`, or one made here when a model
        collection needs it) tells collections that only describe capabilities from those that
        offer models (models.py)."""
        self._resolve_bindings()
        self._try_fallbacks()
        one_site_per_model_object(self.findings)
        dropped = self.capability_collections(tree if tree is not None else self._stdlib_tree)
        return [f for i, f in enumerate(self.findings) if i not in dropped] if dropped else self.findings

    def _stdlib_tree(self) -> Optional[ast.Module]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse("\n".join(self.lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None  # grammar this Python cannot read: collections keep their findings

    def arg_text(self, node: cst.Call, position, keyword) -> Optional[str]:
        """The string value of an argument, through names bound to constants."""
        arg = first_arg(node, position, keyword)
        if arg is None:
            return None
        value = self.value_of(arg)
        return value.text if value is not None else None


def extract_module(module: cst.Module, tree: Optional[ast.Module], catalogue: Catalogue,
                   first_party: frozenset = frozenset(), package: Optional[str] = None, source: Optional[bytes] = None,
                   imported: Optional[dict] = None, exports: Optional[dict] = None):
    """Findings and import facts of a parsed module; `tree` is the stdlib parse of the same source
    (None when the running Python cannot parse it); `package` anchors relative imports. The
    `source` bytes spare generating the module's code again (as costly as a second walk).
    `imported` gives the values other modules of the project export to this one, and `exports`,
    when a dict, receives this module's own (extract/imported.py)."""
    text = source.decode(module.encoding, "replace").lstrip("\ufeff") if source is not None else module.code
    lines = _LINE_BREAK.split(text)
    parsed = tree if isinstance(tree, ast.Module) else None  # the tables of a tree do not hold the tree
    context = (catalogue, first_party, package, imported)
    extractor = None
    if tree is not None:
        positions = StdlibPositions(module, tree, lines)
        try:
            extractor = _walked(module, lines, positions, *context)
        except PositionMismatch:
            pass
    if extractor is None:
        extractor = _walked(module, lines, LibcstPositions(module), *context)
    findings = extractor.finish(parsed)
    if exports is not None:
        exports.update(extractor.exported_values())
    return findings, extractor.imports


def _walked(module, lines, positions, catalogue, first_party, package, imported=None) -> Optional[ModuleExtractor]:
    """The module walked once, or twice when the first walk met a client's use before its
    definition (flow.py); None when the positions of the stdlib tree do not agree."""
    extractor, walk = _extract(module, lines, positions, catalogue, first_party, package, imported=imported)
    if not positions.agrees(walk.counts):
        return None
    hints = extractor.hints_for_second_walk()
    if hints is None:
        return extractor
    extractor, walk = _extract(module, lines, positions, catalogue, first_party, package, hints, imported)
    return extractor if positions.agrees(walk.counts) else None


def _extract(module, lines, positions, catalogue, first_party, package, hints=None, imported=None) -> tuple:
    extractor = ModuleExtractor(catalogue, lines, positions, first_party, package, hints, imported)
    walk = Walk(extractor, extractor.numbers)
    walk.run(module)
    return extractor, walk


_RETRY_DECORATORS = ("retry", "on_exception", "on_predicate", "retry_context")


def _is_retry_decorator(decorator) -> bool:
    """tenacity's @retry(...), backoff's @on_exception(...), stamina's @retry(...): same-provider retries."""
    target = decorator.func if isinstance(decorator, cst.Call) else decorator
    name = cst.helpers.get_full_name_for_node(target) or ""
    return name.rsplit(".", 1)[-1] in _RETRY_DECORATORS
