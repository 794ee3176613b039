"""Stage 2: one libcst pass over a module, resolving names to vendor SDKs and emitting findings.

Names are resolved by a small symbol table of our own rather than libcst's QualifiedNameProvider:
it follows what the scanner needs (import aliases, simple assignments, `self.x = ...`, the
result of a client constructor) at a fraction of the provider's cost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional
from urllib.parse import urlsplit

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .model import Finding
from .redact import redact
from .ruleset import Catalogue

_PROSE_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "echo", "secho", "write"}
_MODEL_NAME = re.compile(r"(^|_)(model|llm)(s)?(_(name|id))?$", re.IGNORECASE)
_MODEL_COLLECTION = re.compile(r"(^|_)(models|llms|model_names|model_ids|aliases)$", re.IGNORECASE)
# Calls and names that handle model names without routing to them: tokenizers, price and
# capability tables (`calculate_llm_cost(model=...)`, `tiktoken.encoding_for_model("gpt-4o")`).
_NOT_ROUTING = re.compile(r"cost|price|pricing|profile|token|encod|count|limit|context_window|capabilit|supports", re.IGNORECASE)
# Names that hold a deployment or engine: only a `provider/model` string there names a provider.
_DEPLOYMENT_NAME = re.compile(r"(^|_)(deployment|engine)(s)?(_(name|id))?$", re.IGNORECASE)
# Methods that configure a framework object without calling the provider.
_CONFIGURING_METHODS = {
    "with_fallbacks", "bind_tools", "with_structured_output", "bind", "with_config", "with_retry",
    "configurable_fields", "configurable_alternatives", "pipe", "with_types", "with_listeners",
}
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-:/@]{1,120}$")
_ENDPOINT_SETTING = re.compile(r"^([a-z][a-z0-9_]*?)_(base_url|api_base|api_url|host|endpoint|url)$")
_CLIENT_ARGS = {"client", "async_client", "openai_client", "sync_client"}
_URL = re.compile(r"^(?:https?|wss?)://([^/\s?#]+)(/[^\s]*)?$", re.IGNORECASE)
_HOST = re.compile(r"^([a-z0-9\-]+(?:\.[a-z0-9\-]+)+|localhost|127\.0\.0\.1)(:\d+)?(/[^\s]*)?$", re.IGNORECASE)
_ENV_READERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb", "decouple.config", "environ.Env.str"}
_IMPORTERS = {"importlib.import_module", "importlib.__import__"}
_FALLBACK_METHOD = "with_fallbacks"
_MODEL_KEYWORDS = ("model", "model_name", "model_id", "modelId", "engine")  # where a vendor call takes its model


@dataclass(frozen=True)
class Value:
    """What an expression stands for: a dotted path (`openai.OpenAI()` for an instance) and its vendor."""

    path: str = ""
    vendor: Optional[str] = None
    binding: Optional[int] = None  # the import binding it derives from
    site: Optional[int] = None  # index of the finding that built this client or adapter
    kind: Optional[str] = None  # "call" (SDK client) or "adapter" instance
    feature: Optional[str] = None
    text: Optional[str] = None  # value of a string constant
    node: Optional[cst.CSTNode] = None  # a list or dict literal, for routers' model lists
    routes: tuple = ()  # a router instance: indices of the model-string findings it was built with
    choices: tuple = ()  # strings a loop variable takes: `for key in ["OPENAI_API_KEY", ...]`


@dataclass
class Binding:
    """One imported name: its own vendor, and the vendors its uses turned out to reach."""

    module: str
    line: int
    column: int
    own: Optional[tuple] = None  # (vendor, kind)
    conditional: frozenset = frozenset()
    derived: set = field(default_factory=set)
    type_only: bool = False
    snippet_line: int = 0


class ModuleExtractor(cst.CSTVisitor):
    """Collects findings and import facts for one module (or notebook cell)."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, catalogue: Catalogue, lines: list, first_party: frozenset = frozenset(), package: Optional[str] = None):
        super().__init__()
        self.cat = catalogue
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
        self.docstrings: set = set()
        self.skip_strings: set = set()
        self.store_targets: set = set()
        self.tries: list = []  # stack of (try_id, part)
        self.try_members: dict = {}  # finding index -> [(try_id, part)]
        self.handler_calls: list = []  # (try_id, function name) called from an except handler
        self.function_findings: dict = {}  # function name -> finding indices
        self.function_depth = 0

    # ------------------------------------------------------------------ findings
    def _pos(self, node: cst.CSTNode) -> tuple:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column

    def add(self, node, vendor: str, kind: str, detail: str = "", **extra) -> Optional[int]:
        line, column = self._pos(node) if not isinstance(node, tuple) else node
        key = (line, column, vendor, kind, detail)  # a call chain's calls share their start position
        if key in self.seen:
            return self.seen[key]
        snippet = self.lines[line - 1].strip()[:240] if 0 < line <= len(self.lines) else ""
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

    def mark_fallback(self, index: Optional[int], others) -> None:
        if index is None:
            return
        finding = self.findings[index]
        others = sorted(set(others) - {finding.vendor})
        if others:
            merged = tuple(sorted(set(finding.fallback_to) | set(others)))
            self.findings[index] = replace(finding, has_fallback=True, fallback_to=merged)

    def mark_target(self, index: Optional[int]) -> None:
        """A site that runs only when another provider failed: not part of normal reliance."""
        if index is not None:
            self.findings[index] = replace(self.findings[index], fallback_target=True)

    # ------------------------------------------------------------------ scopes
    def bind(self, name: str, value: Optional[Value]) -> None:
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
                found = self.class_attrs[-1].get(node.attr.value)
                if found is not None:
                    return found
            base = self.value_of(node.value)
            if base is None or not base.path:
                return None
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
            for option in _alternatives(node):
                value = self.value_of(option)
                if value is not None and (value.text is not None or value.vendor):
                    return value
            return None
        text = string_value(node)
        if text is not None:
            return Value(text=text)
        if isinstance(node, (cst.List, cst.Tuple, cst.Dict)):
            return Value(node=node)
        return None

    def vendor_of_path(self, path: str) -> Optional[tuple]:
        """(vendor, kind, root) for a dotted path inside an SDK or a provider-specific adapter package."""
        hit = self.cat.root_vendor(path, self.cat.sdk_roots)
        if hit:
            return hit[1], "call", hit[0]
        hit = self.cat.root_vendor(path, self.cat.adapter_roots)
        if hit:
            return hit[1], "adapter", hit[0]
        return None

    # ------------------------------------------------------------------ imports
    def _import_binding(self, module: str, name_node, alias_name: str, qualname: str, node) -> None:
        line, column = self._pos(name_node)
        if self.is_first_party(module) or module.startswith("."):
            self.bind(alias_name, Value(path=f".local.{qualname}"))
            return
        own = None
        entry = self.cat.entry_for(qualname)
        if entry is not None:
            own = (entry.vendor, "adapter" if entry.kind == "adapter" else "import")
        elif qualname not in self.cat.router_callables:
            hit = self.vendor_of_path(qualname)
            if hit:
                own = (hit[0], "import" if hit[1] == "call" else "adapter")
        conditional = self.cat.root_vendor(qualname, self.cat.conditional_roots)
        binding = Binding(module=qualname, line=line, column=column, own=own,
                          conditional=frozenset(conditional[1]) if conditional else frozenset(),
                          type_only=self.type_checking > 0 or _is_type_stub(qualname))
        if own is not None or binding.conditional:
            self.bindings.append(binding)
            self.bind(alias_name, Value(path=qualname, binding=len(self.bindings) - 1))
        else:
            self.bind(alias_name, Value(path=qualname))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = cst.helpers.get_full_name_for_node(alias.name) or ""
            self.imports.append((module, 0, (), self._pos(node)[0], self.type_checking > 0))
            if alias.asname is not None:
                name = cst.helpers.get_full_name_for_node(alias.asname.name) or module
                self._import_binding(module, alias.name, name, module, node)
            else:
                top = module.split(".")[0]
                self._import_binding(module, alias.name, top, module, node)
                # `import google.genai` binds `google`, but the binding must remember the full module
                value = self.lookup(top)
                if value is not None and value.binding is not None:
                    self.bind(top, Value(path=top, binding=value.binding))

    def is_first_party(self, module: str) -> bool:
        """A project module that shadows a vendor package (`openai.py`, a local `agents/`).

        Only a whole top-level root counts: `browser_use.llm.mistral` inside browser-use itself is
        still an adapter, as its rules say.
        """
        top = module.split(".")[0]
        return top in self.first_party and top in self.cat.shadowable_roots

    def _absolute(self, module: str, level: int) -> str:
        """`from ..x import y` inside package a.b.c -> a.b.x; unresolvable relative imports stay relative."""
        if not level:
            return module
        if self.package is None:
            return "." * level + module
        parts = self.package.split(".") if self.package else []
        if level - 1 > len(parts):
            return "." * level + module
        parts = parts[: len(parts) - (level - 1)]
        return ".".join(parts + ([module] if module else [])) or "." * level + module

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        level = len(node.relative)
        module = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
        base = self._absolute(module or "", level)
        if isinstance(node.names, cst.ImportStar):
            self.imports.append((module or "", level, ("*",), self._pos(node)[0], self.type_checking > 0))
            self._star_import(base, node)
            return
        names = []
        for alias in node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            names.append(name)
            bound = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname else name
            qualname = f"{base}.{name}" if not base.endswith(".") else f"{base}{name}"
            self._import_binding(base, alias.name, bound, qualname, node)
        self.imports.append((module or "", level, tuple(names), self._pos(node)[0], self.type_checking > 0))

    def _star_import(self, base: str, node: cst.ImportFrom) -> None:
        """`from m import *` binds (and re-exports) every client and adapter the rules know under m."""
        if base.startswith("."):
            return
        anchor = node.module if node.module is not None else node
        self._import_binding(base, anchor, f"*{base}", f"{base}.*", node)
        for name, _ in self.cat.entries_under(base):
            self._import_binding(base, anchor, name, f"{base}.{name}", node)
        for qualname in self.cat.router_callables:
            head, _, tail = qualname.rpartition(".")
            if head == base and "(" not in tail:
                self.bind(tail, Value(path=qualname))

    def _dynamic_import(self, node: cst.Call, module: str) -> Optional[Value]:
        hit = self.vendor_of_path(module)
        if hit and not self.is_first_party(module):
            self.add(node, hit[0], "import" if hit[1] == "call" else "adapter", module)
            self.imports.append((module, 0, (), self._pos(node)[0], False))
        return Value(path=module)

    # ------------------------------------------------------------------ statements
    def visit_If(self, node: cst.If) -> None:
        test = cst.helpers.get_full_name_for_node(node.test) or ""
        if test.split(".")[-1] == "TYPE_CHECKING":
            self.type_checking += 1

    def leave_If(self, node: cst.If) -> None:
        test = cst.helpers.get_full_name_for_node(node.test) or ""
        if test.split(".")[-1] == "TYPE_CHECKING":
            self.type_checking -= 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for statement in node.body:
            if isinstance(statement, cst.Expr) and string_value(statement.value) is not None:
                self.docstrings.add(id(statement.value))
                for part in _string_parts(statement.value):
                    self.docstrings.add(id(part))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, None)
        self.names.append(node.name.value)
        self.scopes.append({})
        self.function_depth += 1
        for param in _params(node.params):
            self.bind(param, None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.pop()
        self.scopes.pop()
        self.function_depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append({param: None for param in _params(node.params)})

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value, None)
        self.names.append(node.name.value)
        self.scopes.append({})
        self.class_attrs.append({})

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.pop()
        self.scopes.pop()
        self.class_attrs.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._mark_store(target.target)

    def leave_Assign(self, node: cst.Assign) -> None:
        value = self.value_of(node.value)
        for target in node.targets:
            self._assign(target.target, value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_store(node.target)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, self.value_of(node.value), node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark_store(node.target)

    def _mark_store(self, target) -> None:
        self.store_targets.add(id(target))

    def _assign(self, target, value: Optional[Value], value_node) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value)
            self._named_model(target.value, value_node)
        elif isinstance(target, cst.Attribute):
            if isinstance(target.value, cst.Name) and target.value.value == "self" and self.class_attrs:
                self.class_attrs[-1][target.attr.value] = value
            self._named_model(target.attr.value, value_node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._assign(element.value, None, None)

    def leave_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._assign(node.asname.name, self.value_of(node.item), node.item)

    def visit_For(self, node: cst.For) -> None:
        """A loop over literal strings binds its variable to them (`for key in KEYS: os.getenv(key)`)."""
        self._assign(node.target, None, None)
        source = self.value_of(node.iter)
        rows = _literal_rows(source.node if source is not None and source.node is not None else node.iter)
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
        self._mark_store(node.target)  # `del os.environ["X"]` removes a setting, it does not read it

    def visit_Assert(self, node: cst.Assert) -> None:
        self.in_assert += 1

    def leave_Assert(self, node: cst.Assert) -> None:
        self.in_assert -= 1

    def leave_Comparison(self, node: cst.Comparison) -> None:
        self.comparing -= 1

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """`"OPENAI_API_KEY" in os.environ` checks for a credential: a read. A URL that is only
        compared (`host == "api.anthropic.com"`) is not one the code calls."""
        self.comparing += 1
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                value = self.value_of(target.comparator)
                if value is not None and value.path == "os.environ":
                    self._env_read(node, string_value(node.left), node.left)

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append((id(node), "body"))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.tries[-1] = (self.tries[-1][0], "handler")

    def visit_Finally(self, node: cst.Finally) -> None:
        self.tries[-1] = (self.tries[-1][0], "finally")

    def visit_Else(self, node: cst.Else) -> None:
        if self.tries:
            self.tries[-1] = (self.tries[-1][0], "else" if self.tries[-1][1] != "body" else self.tries[-1][1])

    def leave_Try(self, node: cst.Try) -> None:
        self.tries.pop()

    def visit_Raise(self, node: cst.Raise) -> None:
        self.prose += 1

    def leave_Raise(self, node: cst.Raise) -> None:
        self.prose -= 1

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        if _is_prose_call(node):
            self.prose += 1

    def leave_Call(self, node: cst.Call) -> None:
        handled = self._call(node)
        if self.prose:
            return
        callee = cst.helpers.get_full_name_for_node(node.func) or ""
        if not handled and not _NOT_ROUTING.search(callee):
            # a call we cannot resolve may be a router of the project's own (a wrapper around LiteLLM)
            for arg in node.args:
                if arg.keyword is not None and _MODEL_NAME.search(arg.keyword.value):
                    self._contextual_model(arg.value, bare=True)
        self._option_default(node)

    def _option_default(self, node: cst.Call) -> None:
        """The default of a setting named like a model: `add_argument("--model-id", default="o1")`,
        `os.getenv("LLM_MODEL", "gpt-4o")`, `config.get("model", "claude-sonnet-4-5")`."""
        positional = [a.value for a in node.args if a.keyword is None]
        if isinstance(node.func, cst.Name) and node.func.value == "getattr":
            positional = positional[1:]  # getattr(config, "model", "gpt-4o")
        key = string_value(positional[0]) if positional else None
        if not key or not _MODEL_NAME.search(key.lstrip("-").replace("-", "_")):
            return
        default = _first_arg(node, None, "default")
        if default is None and len(positional) > 1:
            default = positional[1]
        self._contextual_model(default)

    def _call(self, node: cst.Call) -> bool:
        """Record what a call reaches; True when it is a vendor, router or environment call."""
        if _is_prose_call(node):
            self.prose -= 1
            return True
        func = self.value_of(node.func)
        path = func.path if func else ""
        if not path:
            if isinstance(node.func, cst.Name) and node.func.value == "__import__":
                text = _arg_text(self, node, 0, "name")
                if text:
                    self.call_values[id(node)] = self._dynamic_import(node, text)
            elif isinstance(node.func, cst.Name) and self.tries and self.tries[-1][1] == "handler":
                self.handler_calls.append((self.tries[-1][0], node.func.value))
            elif isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) and node.func.value.value in ("self", "cls"):
                if self.tries and self.tries[-1][1] == "handler":
                    self.handler_calls.append((self.tries[-1][0], node.func.attr.value))
            self._with_fallbacks(node)
            return False
        clean = path.replace("()", "")
        if clean in _IMPORTERS:
            text = _arg_text(self, node, 0, "name")
            if text:
                self.call_values[id(node)] = self._dynamic_import(node, text)
            return True
        if clean in _ENV_READERS:
            argument = _first_arg(node, 0, "key")
            value = self.value_of(argument) if argument is not None else None
            for name in (value.choices if value is not None and value.choices else (value.text if value else None,)):
                self._env_read(node, name, argument)
            return True
        handled = path in self.cat.router_callables
        routes = []
        if handled:
            routes = self._route(node, self.cat.router_callables[path])
            self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding, routes=tuple(routes))
        configuring = path.rsplit(".", 1)[-1] in _CONFIGURING_METHODS
        if func.routes and not routes and not configuring:  # a model given to this very call overrides the router's own
            self._call_through_router(node, path, func)
            return True
        entry, vendor = self._entry_for(path, node)
        if entry is not None:
            vendor = self._endpoint_vendor(node, entry.endpoint_args) or self._wrapped_vendor(node) or vendor
            kind = "adapter" if entry.kind == "adapter" else "call"
            index = self.add(node, vendor, kind, path, feature=entry.feature or ("client" if kind == "call" else None), framework=entry.framework,
                             **self._call_facts(node))
            self._derive(func, vendor)
            self.call_values[id(node)] = Value(path=f"{path}()", vendor=vendor, binding=func.binding, site=index, kind=entry.kind, feature=entry.feature)
        elif func.vendor is not None and configuring:
            self.call_values[id(node)] = replace(func, path=f"{path}()", text=None, node=None)
        elif func.vendor is not None and _is_data_access(path):
            pass  # `response.get("body").read()`: reading a result the vendor already returned
        elif func.vendor is not None:
            feature = self._feature(path, func)
            self.add(node, func.vendor, "call", path, feature=feature, **self._call_facts(node))
            self._derive(func, func.vendor)
            self.call_values[id(node)] = replace(func, path=f"{path}()", text=None, node=None)
        elif not handled:
            hit = self.vendor_of_path(path)
            if hit is not None:
                vendor, kind, root = hit
                feature = self.cat.feature_for(root, tuple(clean[len(root) + 1:].split("."))) if kind == "call" else None
                index = self.add(node, vendor, kind, path, feature=feature or "other", **self._call_facts(node))
                self._derive(func, vendor)
                self.call_values[id(node)] = Value(path=f"{path}()", vendor=vendor, binding=func.binding, site=index, kind=kind)
            else:
                self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding)
        self._with_fallbacks(node)
        value = self.call_values.get(id(node))
        return handled or (value is not None and value.vendor is not None)

    # ------------------------------------------------------------------ model and arguments of a vendor call
    def _call_facts(self, node: cst.Call) -> dict:
        """What dependencies.py needs from a vendor call: its model literal (for the retirement
        dates) and its keyword names (`previous_response_id`: state kept at the vendor)."""
        keywords = tuple(sorted({a.keyword.value for a in node.args if a.keyword is not None}))
        return {"model": self._model_literal(node), "arguments": keywords}

    def _model_literal(self, node: cst.Call) -> Optional[str]:
        """`model="gpt-4o"` (or a name bound to such a string); a first positional argument only when it names a known model."""
        for keyword in _MODEL_KEYWORDS:
            text = _arg_text(self, node, None, keyword)
            if text and _MODEL_ID.match(text):
                return text
        text = _arg_text(self, node, 0, None)
        return text if text and _MODEL_ID.match(text) and self.cat.vendor_for_model(text) else None

    def _call_through_router(self, node: cst.Call, path: str, router: Value) -> None:
        """`router.completion(model="group")` reaches every provider the router was built with."""
        for index in router.routes:
            origin = self.findings[index]
            site = self.add(node, origin.vendor, "call", path, feature="chat")
            if origin.has_fallback:
                self.mark_fallback(site, origin.fallback_to)
            if origin.fallback_target:
                self.mark_target(site)

    def _entry_for(self, path: str, node: cst.Call):
        entry = self.cat.entry_for(path)
        head, _, method = path.rpartition(".")
        if entry is None and method.startswith("from_") and "(" not in head:
            entry = self.cat.entry_for(head)  # OpenAIAgent.from_tools(...), ChatHuggingFace.from_model_id(...)
        if entry is not None:
            return entry, entry.vendor
        for vendor in self.cat.conditional_roots.get(path.split(".")[0], ()):
            entry = self.cat.entries.get(f"{path}#{vendor}")
            if entry is not None and entry.discriminator:
                position, keyword, values = entry.discriminator
                text = _arg_text(self, node, position, keyword)
                if text in values:
                    return entry, vendor
        return None, None

    def _wrapped_vendor(self, node: cst.Call) -> Optional[str]:
        """An adapter built around an existing client reaches that client's provider:
        `instructor.from_openai(OpenAI(base_url=groq))`, `OpenAIChatCompletion(async_client=...)`."""
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value in _CLIENT_ARGS:
                value = self.value_of(arg.value)
                if value is not None and value.vendor and value.kind == "call":
                    return value.vendor
            if arg.keyword is None:
                break  # only the first positional argument can be the wrapped client
        return None

    def _endpoint_vendor(self, node: cst.Call, keywords) -> Optional[str]:
        """The vendor a client's endpoint argument names: a known host in a literal, or a setting
        named after the provider (`base_url=self.config.lmstudio_base_url`)."""
        for keyword in keywords:
            text = _arg_text(self, node, None, keyword)
            vendor = self.url_vendor(text) if text else self._named_endpoint(_first_arg(node, None, keyword))
            if vendor:
                return vendor
        return None

    def _named_endpoint(self, node) -> Optional[str]:
        name = cst.helpers.get_full_name_for_node(node) if node is not None else None
        match = _ENDPOINT_SETTING.match(name.rsplit(".", 1)[-1].lower()) if name else None
        if match is None:
            return None
        provider = match.group(1)
        return self.cat.model_prefixes.get(provider) or (provider if provider in self.cat.vendors else None)

    def _feature(self, path: str, func: Value) -> Optional[str]:
        if func.kind == "adapter":
            return func.feature
        clean = path.replace("()", "")
        tail = path.rsplit("()", 1)[-1].lstrip(".") if "()" in path else ""
        hit = self.cat.root_vendor(clean, self.cat.sdk_roots) or self.cat.root_vendor(clean, self.cat.conditional_roots)
        if hit is None:
            return self.cat.feature_for("", tuple(tail.split(".")), func.vendor) or "other"
        rest = tail if "()" in path else clean[len(hit[0]) + 1:]
        return self.cat.feature_for(hit[0], tuple(rest.split(".")), func.vendor) or "other"

    def _derive(self, func: Optional[Value], vendor: str) -> None:
        if func is not None and func.binding is not None:
            self.bindings[func.binding].derived.add(vendor)

    def _with_fallbacks(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Attribute) and node.func.attr.value == _FALLBACK_METHOD):
            return
        primary = self.value_of(node.func.value)
        others = [v.vendor for v in self._values_in(node.args) if v.vendor]
        if primary is not None and primary.vendor:
            self.mark_fallback(primary.site, others)

    def _values_in(self, args) -> list:
        values = []
        for arg in args:
            value = arg.value
            elements = value.elements if isinstance(value, (cst.List, cst.Tuple)) else [value]
            for element in elements:
                inner = element.value if isinstance(element, (cst.Element, cst.StarredElement)) else element
                resolved = self.value_of(inner)
                if resolved is not None:
                    values.append(resolved)
        return values

    # ------------------------------------------------------------------ routers and model strings
    def _route(self, node: cst.Call, rule) -> list:
        primaries, seen_args = [], set()
        provider = None
        for keyword in rule.provider_args:
            text = _arg_text(self, node, None, keyword)
            provider = self.cat.model_prefixes.get(text.lower()) if text else None
            if provider:
                break
        for spec in rule.model_args:
            arg = _first_arg(node, spec if isinstance(spec, int) else None, spec if isinstance(spec, str) else None)
            if arg is not None and id(arg) not in seen_args:
                seen_args.add(id(arg))
                primaries += self._model_sites(arg, bare=True, provider=provider)
        if provider and not primaries:
            # init_chat_model(model=some_variable, model_provider="ollama")
            keyword = next(k for k in rule.provider_args if _first_arg(node, None, k) is not None)
            primaries.append((provider, self.add(_first_arg(node, None, keyword), provider, "model_string", provider)))
        for keyword in rule.model_list_args:
            arg = _first_arg(node, None, keyword)
            if arg is not None:
                primaries += self._model_sites(arg, bare=True, deep=True)
        fallbacks = []
        for keyword in rule.fallback_args:
            arg = _first_arg(node, None, keyword)
            if arg is not None:
                fallbacks += self._model_sites(arg, bare=True, deep=True, as_fallback=True)
        if rule.positional_fallbacks:
            positional = [a.value for a in node.args if a.keyword is None]
            for extra in positional[1:]:
                fallbacks += self._model_sites(extra, bare=True)
        for keyword in rule.fallback_list_args:
            arg = _first_arg(node, None, keyword)
            if arg is not None:
                sites = self._model_sites(arg, bare=True, deep=True)
                primaries += sites[:1]
                fallbacks += sites[1:]
        vendors = {v for v, _ in primaries + fallbacks}
        has_fallback_arg = any(_first_arg(node, None, k) is not None for k in rule.fallback_args)
        for _, index in fallbacks:
            self.mark_target(index)
        for vendor, index in primaries:
            if fallbacks:
                self.mark_fallback(index, [v for v, _ in fallbacks])
            elif has_fallback_arg and len(vendors) > 1:
                self.mark_fallback(index, vendors)
        return [index for _, index in primaries + fallbacks if index is not None]

    def _model_sites(self, node, bare: bool, deep: bool = False, as_fallback: bool = False, provider=None) -> list:
        """(vendor, finding index) for each model string or model object found in an argument.

        `provider` (from `model_provider="bedrock"`) decides where a model string goes; the
        model's maker only when no provider is named.
        """
        sites = []
        value = self.value_of(node)
        if value is not None and value.node is not None and node is not value.node:
            return self._model_sites(value.node, bare, deep, as_fallback, provider)
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                sites += self._model_sites(element.value, bare, deep, as_fallback)
            return sites
        if isinstance(node, cst.Dict):
            keys = {string_value(e.key) for e in node.elements if isinstance(e, cst.DictElement)}
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                key = string_value(element.key)
                if key == "model_name" and "litellm_params" in keys:
                    continue  # a LiteLLM deployment group alias
                if deep and (key in ("model", "model_name", "litellm_params", "model_id") or isinstance(element.value, (cst.List, cst.Dict))):
                    sites += self._model_sites(element.value, bare, deep, as_fallback)
                elif deep and key is not None and as_fallback:
                    sites += self._model_sites(element.value, bare, deep, as_fallback)
            return sites
        if value is not None and value.text is not None:
            vendor = provider or self.cat.vendor_for_model(value.text, allow_bare=bare)
            if vendor:
                anchor = node if string_value(node) is not None else node
                sites.append((vendor, self.add(anchor, vendor, "model_string", value.text)))
        elif value is not None and value.vendor:
            sites.append((value.vendor, value.site))
        return sites

    def _contextual_model(self, node, bare: bool = True) -> None:
        """A model string given as obvious model configuration outside a known router call.

        `provider/model` strings are trusted when the model part is credible for the provider;
        a bare name (`gpt-4o`) counts for its maker when configured for something that routes it.
        """
        if node is None or self.prose or self.in_assert:
            return
        if isinstance(node, (cst.BooleanOperation, cst.IfExp, cst.List, cst.Tuple, cst.Set)):
            for option in _alternatives(node):
                self._contextual_model(option, bare)
            return
        text = string_value(node)
        if text is None or not _MODEL_ID.match(text):
            return
        vendor = self.cat.prefixed_model_vendor(text)
        if vendor is None and bare and "/" not in text:
            vendor = self.cat.vendor_for_model(text)  # also Bedrock ids such as `amazon.titan-embed-text-v2:0`
        if vendor:
            self.add(node, vendor, "model_string", text, feature="config")

    def _named_model(self, name: str, value_node) -> None:
        """A value stored under a model-like name; deployments only count with a provider prefix."""
        if isinstance(value_node, (cst.List, cst.Tuple, cst.Set, cst.Dict)) and _MODEL_COLLECTION.search(name):
            # MODEL_ALIASES = {"sonnet": "claude-sonnet-4-6"}, SUPPORTED_MODELS = ["gpt-4o", ...]
            elements = value_node.elements
            values = [e.value for e in elements if isinstance(e, (cst.DictElement, cst.Element))]
            for value in values:
                # a row may pair a model with its settings: ("openai:gpt-5-mini", "OPENAI_API_KEY");
                # rows nested deeper are price or capability tables: (("gpt-5.5-pro",), 30.0, 180.0)
                cells = _alternatives(value) if isinstance(value, (cst.Tuple, cst.List)) else [value]
                for cell in cells:
                    if string_value(cell) is not None:
                        self._contextual_model(cell)
        elif _NOT_ROUTING.search(name):
            return
        elif _MODEL_NAME.search(name):
            self._contextual_model(value_node)
        elif _DEPLOYMENT_NAME.search(name):
            self._contextual_model(value_node, bare=False)

    def visit_Param(self, node: cst.Param) -> None:
        name = node.name.value
        if node.default is not None and _MODEL_NAME.search(name) and not _NOT_ROUTING.search(name):
            self._contextual_model(_declared_default(node.default))

    def visit_Dict(self, node: cst.Dict) -> None:
        keys = {string_value(e.key) for e in node.elements if isinstance(e, cst.DictElement)}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = string_value(element.key)
            # LiteLLM's "model_name" beside "litellm_params" is a group alias, not a model
            if key and _MODEL_NAME.search(key) and not (key == "model_name" and "litellm_params" in keys):
                self._contextual_model(element.value)

    # ------------------------------------------------------------------ strings
    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.store_targets:
            return
        value = self.value_of(node.value)
        if value is not None and value.path == "os.environ" and len(node.slice) == 1:
            element = node.slice[0].slice
            if isinstance(element, cst.Index):
                self._env_read(node, string_value(element.value), element.value)

    def _env_read(self, node, name: Optional[str], name_node) -> None:
        if name and name in self.cat.env_vars and not self.prose:
            self.add(node, self.cat.env_vars[name], "env_var", name)
        if name_node is not None:
            self.skip_strings.add(id(name_node))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._string(node)

    def _string(self, node) -> None:
        text = string_value(node)
        if text is None:
            return
        for pattern, vendor, name in self.cat.secrets:
            if pattern.search(text):
                self.add(node, vendor, "secret", redact(pattern.search(text).group(0), self.cat, force=True))
                break
        if id(node) in self.docstrings or id(node) in self.skip_strings or self.prose or self.comparing:
            return
        vendor = self.url_vendor(text)
        if vendor:
            self.add(node, vendor, "endpoint", text[:200])

    def url_vendor(self, text: str) -> Optional[str]:
        """The vendor whose API a URL or bare host names; None for prose and other hosts."""
        text = text.strip()
        match = _URL.match(text)
        if match:
            host, path = match.group(1), match.group(2) or ""
        else:
            match = _HOST.match(text)
            if not match:
                return None
            host, path = (match.group(1) + (match.group(2) or "")), match.group(3) or ""
        host = host.split("@")[-1].lower()
        vendor = self.cat.vendor_for_host(host)
        segments = path.split("?")[0].rstrip("/").split("/")
        for end in range(len(segments), 1, -1):  # a host with a path in the rules names an API under it
            vendor = vendor or self.cat.vendor_for_host(host + "/".join(segments[:end]))
        return vendor

    # ------------------------------------------------------------------ after the walk
    def finish(self) -> list:
        self._resolve_bindings()
        self._try_fallbacks()
        return self.findings

    def _resolve_bindings(self) -> None:
        """Import findings name the vendor the imported name really reaches.

        `from openai import OpenAI` used only for `OpenAI(base_url="https://api.deepseek.com")`
        is a DeepSeek dependency; `import boto3` counts only when it builds a Bedrock client.
        """
        for binding in self.bindings:
            vendors = set()
            if binding.own is not None:
                own_vendor, kind = binding.own
                vendors = {own_vendor}
                if binding.derived and own_vendor not in binding.derived:
                    vendors = set(binding.derived)
            elif binding.conditional:
                vendors = binding.derived & binding.conditional
                kind = "import"
            for vendor in sorted(vendors):
                self.add((binding.line, binding.column), vendor, kind, binding.module, type_only=binding.type_only)

    def _try_fallbacks(self) -> None:
        """A call in a try body is protected when an except handler reaches another vendor."""
        sites = ("call", "adapter", "model_string")
        handler_sites: dict = {}
        for index, memberships in self.try_members.items():
            for try_id, part in memberships:
                if part == "handler" and self.findings[index].kind in sites:
                    handler_sites.setdefault(try_id, set()).add(index)
        for try_id, name in self.handler_calls:
            for index in self.function_findings.get(name, ()):
                if self.findings[index].kind in sites and self.findings[index].feature != "client":
                    handler_sites.setdefault(try_id, set()).add(index)
        protected = set()
        for index, memberships in self.try_members.items():
            finding = self.findings[index]
            if finding.kind not in sites:
                continue
            for try_id, part in memberships:
                if part == "body" and handler_sites.get(try_id):
                    self.mark_fallback(index, {self.findings[i].vendor for i in handler_sites[try_id]})
                    protected.add(try_id)
        for try_id in protected:
            for index in handler_sites[try_id]:
                self.mark_target(index)


# ---------------------------------------------------------------------- helpers
def string_value(node) -> Optional[str]:
    """The text of a string literal; f-string holes become `{}` so URLs and prefixes stay visible."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - libcst raises several types for odd literals
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    return None


def _string_parts(node) -> list:
    if isinstance(node, cst.ConcatenatedString):
        return [node.left, node.right] + _string_parts(node.left) + _string_parts(node.right)
    return [node]


def _params(params: cst.Parameters) -> list:
    names = [p.name.value for p in list(params.params) + list(params.kwonly_params) + list(params.posonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


_DATA_METHODS = {
    "get", "read", "json", "items", "keys", "values", "decode", "encode", "to_dict", "dict", "model_dump",
    "model_dump_json", "copy", "strip", "split", "join", "lower", "upper", "format", "append", "extend",
    "__getitem__", "iter_lines", "iter_bytes", "close",
}


def _is_data_access(path: str) -> bool:
    """A plain data method on something a vendor call returned (`...invoke_model().get`)."""
    head, _, method = path.rpartition(".")
    return method in _DATA_METHODS and "()" in head[head.find("()") + 2:] if "()" in head else False


def _is_type_stub(module: str) -> bool:
    """Stub-only packages (mypy-boto3-bedrock-runtime) are never imported at run time for real use."""
    top = module.split(".")[0]
    return top.startswith(("mypy_boto3_", "types_boto3_", "types_")) or top.endswith("_stubs")


def _literal_rows(node) -> list:
    """Rows of string literals in a list/tuple literal: ["A", "B"] -> [("A",), ("B",)];
    [("A", "x"), ("B", "y")] -> [("A", "x"), ("B", "y")]. Empty when it is anything else."""
    if not isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return []
    rows = []
    for element in node.elements:
        value = element.value
        if isinstance(value, (cst.Tuple, cst.List)):
            rows.append(tuple(string_value(e.value) for e in value.elements))
        else:
            rows.append((string_value(value),))
    return rows


def _alternatives(node) -> list:
    """The operands a value may come from: both sides of `or`/`and`, both branches of `a if c else b`,
    the elements of a list, tuple or set."""
    if isinstance(node, cst.BooleanOperation):
        return _alternatives(node.left) + _alternatives(node.right)
    if isinstance(node, cst.IfExp):
        return _alternatives(node.body) + _alternatives(node.orelse)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return [element.value for element in node.elements if isinstance(element, cst.Element)]
    return [node]


_OPTION_FACTORIES = {"Option", "Argument", "option", "argument", "Field", "Query", "Body", "Form", "Header"}


def _declared_default(node):
    """`model: str = typer.Option("gpt-4o", ...)` / `Field(default="gpt-4o")`: the default inside."""
    if isinstance(node, cst.Call):
        name = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", "")
        if name in _OPTION_FACTORIES:
            return _first_arg(node, 0, "default")
    return node


def _first_arg(node: cst.Call, position, keyword):
    if keyword is not None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if position is not None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) > position:
            return positional[position].value
    return None


def _arg_text(extractor: ModuleExtractor, node: cst.Call, position, keyword) -> Optional[str]:
    arg = _first_arg(node, position, keyword)
    if arg is None:
        return None
    value = extractor.value_of(arg)
    return value.text if value is not None else None


def _is_prose_call(node: cst.Call) -> bool:
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in ("print", "warn") or func.value.endswith(("Error", "Exception", "Warning"))
    if isinstance(func, cst.Attribute):
        return func.attr.value in _PROSE_METHODS or func.attr.value.endswith(("Error", "Exception", "Warning"))
    return False


def extract_module(module: cst.Module, source_lines: list, catalogue: Catalogue,
                   first_party: frozenset = frozenset(), package: Optional[str] = None):
    """Findings and import facts of a parsed module; `package` anchors its relative imports."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    extractor = ModuleExtractor(catalogue, source_lines, first_party, package)
    wrapper.visit(extractor)
    return extractor.finish(), extractor.imports
