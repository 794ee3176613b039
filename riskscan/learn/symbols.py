"""What the call-graph structure does not keep and learning needs, read with the stdlib `ast`:
the public names of a module (`__all__`, re-exports), classes and their bases, each function's
parameters, and the calls that pass a parameter on (to a router's model argument, or to
another function of the package)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..discover import absolute_module
from ..extract.flow import PROPERTY_DECORATORS
from ..structure import MODULE_BODY
from . import http

_PRIVATE = re.compile(r"(^|\.)_(?!_init__$)")
_SELF = ("self", "cls")


@dataclass
class FunctionFacts:
    params: tuple = ()  # parameter names a caller passes, `self`/`cls` left out
    # (target, keyword or None, position, ("param"|"self", name) or ("url", URL parts)): what a call is handed
    passes: list = field(default_factory=list)
    super_calls: set = field(default_factory=set)  # `super().name(...)`: the names called on the next base
    # (receiver, attribute path, line) for `x.a.b` called, or read and used, on a receiver whose type the code
    # declares: `create = client.chat.completions.create` where `client: groq.Groq` (receiver
    # ("typed", targets)), `self.client.chat(...)` (("self", "client"): a property's return type,
    # read along the class's bases by reach.py), `with_retries(self.client, s).chat(...)`
    # (("through", callee, ((keyword, position, receiver), ...)): a function returning its argument's type)
    typed_uses: list = field(default_factory=list)
    returns_param: tuple = ()  # (name, position) of the parameter whose type variable the function returns
    defaults: dict = field(default_factory=dict)  # parameter -> its string default (`provider="cerebras"`)
    returned: list = field(default_factory=list)  # (line, dotted target) of `return Name`: a class handed out by name
    requests: list = field(default_factory=list)  # (URL parts, line) of HTTP requests (http.py)
    reads: set = field(default_factory=set)  # absolute names of what it reads from imports (`DEFAULT_URL`)


@dataclass
class ClassFacts:
    bases: tuple = ()  # absolute dotted names where the imports say
    fields: tuple = ()  # class-level annotated names: constructor keywords of dataclasses and pydantic models
    self_params: dict = field(default_factory=dict)  # attribute -> __init__ parameter stored in it
    strings: dict = field(default_factory=dict)  # attribute -> its string default (`base_url: str = "https://..."`)
    built: dict = field(default_factory=dict)  # attribute -> what a method stores in it (`self._session = httpx.Client()`)
    texts: dict = field(default_factory=dict)  # attribute -> [URL parts a method stores in it] (`self._url = f"https://..."`)
    # attribute -> the targets its declaration names: a class-level annotation (`client: EmbeddingsClient`)
    # or the annotation of a constructor parameter stored in it
    typed: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)  # property -> the targets its return annotation names
    generic_properties: set = field(default_factory=set)  # properties declared to return a type variable
    # attribute -> (the client `__init__` always stores in it, the ones it stores instead under an `if`):
    # `self.client = OpenAI()` then `if api_type == "azure": self.client = AzureOpenAI(...)`
    switched: dict = field(default_factory=dict)
    env_prefix: str = ""  # pydantic-settings: `env_prefix = "X_"` or `model_config = SettingsConfigDict(env_prefix="X_")`


@dataclass
class ModuleFacts:
    exports: Optional[tuple] = None  # `__all__`, when it is a literal
    aliases: dict = field(default_factory=dict)  # `OpenAIServerModel = OpenAIModel` at module level -> target
    constants: dict = field(default_factory=dict)  # module-level name -> its string value
    functions: dict = field(default_factory=dict)  # qualname -> FunctionFacts
    classes: dict = field(default_factory=dict)  # qualname -> ClassFacts
    # name -> what `try:` imports as it, for a stand-in its `except ImportError:` defines instead
    # (`class AzureClaude: raise ImportError(...)`): the public name is the import
    stand_ins: dict = field(default_factory=dict)
    type_variables: set = field(default_factory=set)  # module-level names bound to `TypeVar(...)`


def is_private(module: str) -> bool:
    return bool(_PRIVATE.search(module))


def module_facts(path: Path, module: str, names: dict, is_package: bool) -> Optional[ModuleFacts]:
    """Facts of one module; None when it cannot be read (the analysis has reported it already)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    imports = _imported(tree, module, is_package)
    reader = _Reader(module, {**imports, **{k: v for k, v in names.items() if v}}, imports)
    reader.read_body(tree.body, [])
    return reader.facts


def _imported(tree: ast.Module, module: str, is_package: bool) -> dict:
    """Local name -> module or name for every import of the module, also those the structure lost
    to a later `name = None` (`try: import groq` / `except ImportError: groq = None`)."""
    package = module if is_package else module.rpartition(".")[0]
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(node.module or "", node.level, package)
            for alias in node.names:
                if base and alias.name != "*":
                    found[alias.asname or alias.name] = f"{base}.{alias.name}"
    return found


class _Reader:
    def __init__(self, module: str, names: dict, imports: dict):
        self.module = module
        self.names = names  # local name -> absolute dotted target (ModuleStructure.names)
        self.imports = imports  # local name -> what an import binds to it (_imported)
        self.facts = ModuleFacts()
        self.classes: list = []  # ClassFacts of the enclosing classes

    def read_body(self, body: list, stack: list) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                self._class(node, stack)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(node, stack)
            elif not stack and isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._exports(node)
                self._alias(node)
                self._type_variable(node)
            elif not stack and isinstance(node, ast.If):  # `if LiteLlm is not None: class Gemma(LiteLlm)`
                self.read_body(node.body + node.orelse, stack)
            elif not stack and isinstance(node, ast.Try):
                self._stand_ins(node)
                self.read_body(node.body + node.orelse + node.finalbody, stack)

    def _stand_ins(self, node: ast.Try) -> None:
        """Names `try:` imports and an `except ImportError:` handler defines again (a stand-in that
        raises, or None): the definition runs only where the import failed."""
        imported = {alias.asname or alias.name: alias.name for child in node.body if isinstance(child, ast.ImportFrom)
                    for alias in child.names}
        for handler in node.handlers:
            if not _catches_import_error(handler.type):
                continue
            for child in handler.body:
                name = child.name if isinstance(child, (ast.ClassDef, ast.FunctionDef)) else None
                if name in imported and self.imports.get(name):
                    self.facts.stand_ins[name] = self.imports[name]

    def _exports(self, node) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(node.value, (ast.List, ast.Tuple)):
            self.facts.exports = tuple(e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))

    def _alias(self, node) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        text = http.string_default(node.value) if len(targets) == 1 and isinstance(targets[0], ast.Name) else None
        if text is not None:
            self.facts.constants[targets[0].id] = text
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(node.value, (ast.Name, ast.Attribute)):
            target = self.resolve(node.value)
            if target:
                self.facts.aliases[targets[0].id] = target

    def _type_variable(self, node) -> None:
        """`ClientT = TypeVar("ClientT", bound=...)`."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(node.value, ast.Call) and \
                (self.resolve(node.value.func) or "").rpartition(".")[2] == "TypeVar":
            self.facts.type_variables.add(targets[0].id)

    def _class(self, node: ast.ClassDef, stack: list) -> None:
        qualname = ".".join(stack + [node.name])
        fields = tuple(s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name))
        facts = self.facts.classes[qualname] = ClassFacts(tuple(filter(None, (self.resolve(b) for b in node.bases))), fields)
        facts.typed = {s.target.id: targets for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                       for targets in [self._annotation_targets(s.annotation)] if targets}
        init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is not None:
            params = set(_params(init))
            annotated = self._typed_params(init)
            for statement in ast.walk(init):
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name) and statement.value.id in params:
                    for target in statement.targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                            facts.self_params[target.attr] = statement.value.id
                            if statement.value.id in annotated:
                                facts.typed.setdefault(target.attr, annotated[statement.value.id])
        self._attributes(node, facts)
        if init is not None:
            self._switched(init, facts)
        self.classes.append(facts)
        self.read_body(node.body, stack + [node.name])
        self.classes.pop()

    def _attributes(self, node: ast.ClassDef, facts: ClassFacts) -> None:
        """String defaults of class attributes, and what methods store on `self` by calling something."""
        for statement in node.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                text = http.string_default(statement.value)
                for target in targets:
                    if isinstance(target, ast.Name) and text is not None:
                        facts.strings[target.id] = text
                    if isinstance(target, ast.Name):
                        facts.env_prefix = _env_prefix(target.id, statement.value, text) or facts.env_prefix
        for method in (s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for statement in ast.walk(method):
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                    built = self.resolve(statement.value.func)
                    for target in statement.targets:
                        if _is_self_attribute(target) and built:
                            facts.built[target.attr] = f"{built}()"
                elif isinstance(statement, ast.Assign) and http.has_text(parts := http.url_parts(statement.value)):
                    for target in statement.targets:
                        if _is_self_attribute(target):
                            facts.texts.setdefault(target.attr, []).append(parts)
            if method.returns is not None and any(_decorator_name(d) in PROPERTY_DECORATORS for d in method.decorator_list):
                targets = self._annotation_targets(method.returns)
                if isinstance(method.returns, ast.Name) and method.returns.id in self.facts.type_variables:
                    facts.generic_properties.add(method.name)
                elif targets:
                    facts.properties[method.name] = targets

    def _switched(self, init: ast.FunctionDef, facts: ClassFacts) -> None:
        """Clients the constructor stores in an attribute by default, and those an `if` stores instead."""
        defaults: dict = {}
        for statement in init.body:
            stored = self._stored_call(statement)
            if stored:
                defaults[stored[0]] = stored[1]
            elif isinstance(statement, ast.If):
                for inner in ast.walk(statement):
                    stored = self._stored_call(inner)
                    if stored and stored[0] in defaults and stored[1] != defaults[stored[0]]:
                        default, others = facts.switched.get(stored[0], (defaults[stored[0]], ()))
                        facts.switched[stored[0]] = (default, others + (stored[1],))

    def _stored_call(self, statement) -> Optional[tuple]:
        """(attribute, called name) for `self.attribute = name(...)`."""
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and len(statement.targets) == 1 \
                and _is_self_attribute(statement.targets[0]):
            built = self.resolve(statement.value.func)
            return (statement.targets[0].attr, built) if built else None
        return None

    def _function(self, node, stack: list) -> None:
        qualname = ".".join(stack + [node.name])
        params = _params(node)
        facts = self.facts.functions[qualname] = FunctionFacts(params)
        known, locals_ = set(params), {}
        facts.returns_param = self._returns_param(node, params)
        facts.defaults = _string_defaults(node.args)
        nodes = list(ast.walk(node))  # walked once, read several times
        self._typed_uses(node, nodes, facts, bool(stack) and bool(self.classes))
        texts = _local_texts(nodes)
        compared = {id(name) for child in nodes if isinstance(child, ast.Compare) for name in ast.walk(child)}
        for child in nodes:
            if isinstance(child, ast.Assign) and isinstance(child.value, ast.Call) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                target = self.resolve(child.value.func, locals_)
                locals_[child.targets[0].id] = f"{target}()" if target else None
            elif isinstance(child, ast.Return) and isinstance(child.value, (ast.Name, ast.Attribute)):
                target = self.resolve(child.value)
                if target:
                    facts.returned.append((child.lineno, target))
            elif isinstance(child, ast.Call):
                self._passes(child, facts, known, locals_, bool(stack), texts)
                self._request(child, facts, locals_, bool(stack), texts)
                if _is_super_call(child.func):
                    facts.super_calls.add(child.func.attr)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in known \
                    and id(child) not in compared:  # `api_base == DEFAULT_OPENAI_API_BASE` names no address
                imported = self.names.get(child.id)
                if imported and not imported.startswith(self.module + "."):
                    facts.reads.add(imported)
        self.read_body(node.body, stack + [node.name])

    def _request(self, call: ast.Call, facts: FunctionFacts, locals_: dict, in_class: bool, texts: dict) -> None:
        target = self.resolve(call.func, locals_, in_class)
        if target and target.startswith("<self>.") and self.classes:
            attribute, _, method = target[len("<self>."):].partition(".")
            built = self.classes[-1].built.get(attribute)
            target = f"{built}.{method}" if built and method else None
        if http.is_request(target):
            url = http.url_argument(call)
            parts = texts.get(url.id, ()) if isinstance(url, ast.Name) else ()
            parts = parts or (http.url_parts(url) if url is not None else ())
            if parts:
                facts.requests.append((parts, call.lineno))

    def _returns_param(self, node, params: tuple) -> tuple:
        """`def with_retries(client: ClientT, ...) -> ClientT`: the function hands back something of
        its argument's type (a type variable of the module or of the function, `def f[T](x: T) -> T`)."""
        returns = node.returns
        name = returns.id if isinstance(returns, ast.Name) else returns.value if \
            isinstance(returns, ast.Constant) and isinstance(returns.value, str) else None
        own = {p.name for p in getattr(node, "type_params", ())}
        if name is None or name not in self.facts.type_variables | own:
            return ()
        args = node.args
        matching = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
                    if isinstance(a.annotation, ast.Name) and a.annotation.id == name
                    or isinstance(a.annotation, ast.Constant) and a.annotation.value == name]
        return (matching[0], params.index(matching[0])) if len(matching) == 1 and matching[0] in params else ()

    def _typed_uses(self, node, nodes: list, facts: FunctionFacts, in_class: bool) -> None:
        """Attribute paths on receivers of a declared type (their longest chains), called or read to
        be used (`create = client.generate_content` hands the request on); a read thrown away
        (`_ = client.chat.completions`, to load the SDK's module early) sends nothing."""
        typed = self._typed_params(node)
        if not typed and not in_class:
            return
        inner, discarded, aliases = set(), set(), {}
        for child in nodes:
            if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                aliases[child.targets[0].id] = child.value  # `client = self.client`: the local is that receiver
            if isinstance(child, ast.Attribute):
                inner.add(id(child.value))
            elif isinstance(child, ast.Expr) or isinstance(child, ast.Assign) and \
                    all(isinstance(t, ast.Name) and t.id == "_" for t in child.targets):
                discarded.add(id(child.value))
        for child in nodes:
            if isinstance(child, ast.Attribute) and id(child) not in inner and id(child) not in discarded:
                path, head = _attribute_chain(child)
                if isinstance(head, ast.Name) and head.id not in typed and head.id in aliases:
                    alias_path, head = _attribute_chain(aliases[head.id]) if isinstance(aliases[head.id], ast.Attribute) \
                        else ((), aliases[head.id])
                    path = alias_path + path
                receiver, path = self._receiver(head, path, typed, in_class)
                if receiver is not None and path:
                    facts.typed_uses.append((receiver, path, child.lineno))

    def _receiver(self, head, path: tuple, typed: dict, in_class: bool) -> tuple:
        """(receiver, the path read on it) for the head of an attribute chain; (None, ()) for an
        undeclared one (see FunctionFacts.typed_uses)."""
        if isinstance(head, ast.Name) and head.id in typed:
            return ("typed", typed[head.id]), path
        if in_class and isinstance(head, ast.Name) and head.id in _SELF and path:
            return ("self", path[0]), path[1:]
        if isinstance(head, ast.Call):
            found = []
            for keyword, position, value in _arguments(head):
                inner_path, inner_head = _attribute_chain(value) if isinstance(value, ast.Attribute) else ((), value)
                inner, rest = self._receiver(inner_head, inner_path, typed, in_class)
                if inner is not None and not rest:
                    found.append((keyword, position, inner))
            target = self.resolve(head.func) if found else None
            if target:
                return ("through", target, tuple(found)), path
        return None, ()

    def _typed_params(self, node) -> dict:
        """Parameter -> the dotted names its annotation names."""
        args = node.args
        typed = {a.arg: self._annotation_targets(a.annotation) for a in args.posonlyargs + args.args + args.kwonlyargs
                 if a.annotation is not None}
        return {name: targets for name, targets in typed.items() if targets}

    def _annotation_targets(self, node) -> tuple:
        """Dotted names an annotation names: `groq.Groq | groq.AsyncGroq`, `Optional["OpenAI"]`."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except (SyntaxError, ValueError, RecursionError):
                return ()
        found = []
        for child in ast.walk(node):
            if isinstance(child, (ast.Name, ast.Attribute)) and not isinstance(getattr(child, "ctx", None), ast.Store):
                target = self.resolve(child)
                if target and target not in found:
                    found.append(target)
        return tuple(found)

    def _passes(self, call: ast.Call, facts: FunctionFacts, params: set, locals_: dict, in_class: bool,
                texts: dict) -> None:
        target = None
        for keyword, position, value in _arguments(call):
            source = _source(value, params, in_class) or _url_source(value, texts)
            if source is None:
                continue
            target = target or self.resolve(call.func, locals_, in_class)
            if target:
                facts.passes.append((target, keyword, position, source))

    def resolve(self, node, locals_: Optional[dict] = None, in_class: bool = False) -> Optional[str]:
        """Absolute dotted name of a Name/Attribute chain; `self.x` as `<self>.x`."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head, rest = node.id, list(reversed(parts))
        if head in _SELF and in_class:
            base = "<self>"
        elif locals_ and head in locals_:
            base = locals_[head]
            if base is None:
                return None
        else:
            base = self.names.get(head) or f"{self.module}.{head}"
        return ".".join([base] + rest)


def _url_source(value, texts: dict) -> Optional[tuple]:
    """("url", parts) for an argument that is URL text (`f"{self.api_base}/embeddings"`, or a local
    holding it): a helper that sends requests to its parameter sends them there."""
    parts = texts.get(value.id, ()) if isinstance(value, ast.Name) else http.url_parts(value)
    return ("url", parts) if any(kind == "text" and "/" in text for kind, text in parts) else None


def _local_texts(nodes: list) -> dict:
    """Local name -> URL parts of the text assigned to it (`url = f"{self.api_url}/embeddings"`)."""
    found = {}
    for child in nodes:
        if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
            parts = http.url_parts(child.value)
            if http.has_text(parts):
                found.setdefault(child.targets[0].id, parts)
    return found


def _arguments(call: ast.Call) -> list:
    """(keyword or None, position or None, value) of each argument a call passes, `**` left out."""
    return [(None, i, a) for i, a in enumerate(call.args)] + [(k.arg, None, k.value) for k in call.keywords if k.arg]


def _catches_import_error(node) -> bool:
    names = node.elts if isinstance(node, ast.Tuple) else [node]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def _params(node) -> tuple:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return tuple(names[1:] if names and names[0] in _SELF else names)


def _string_defaults(args: ast.arguments) -> dict:
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
    return {a.arg: d.value for a, d in pairs if isinstance(d, ast.Constant) and isinstance(d.value, str)}


def _attribute_chain(node: ast.Attribute) -> tuple:
    """(("chat", "completions", "create"), the node of `client`) for `client.chat.completions.create`."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return tuple(reversed(parts)), node


def _decorator_name(node) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""


def _env_prefix(name: str, value, text: Optional[str]) -> Optional[str]:
    """The prefix of a settings class's variables: `env_prefix = "X_"`, or the `env_prefix` keyword
    of the call `model_config` is set to."""
    if name == "env_prefix":
        return text
    if name == "model_config" and isinstance(value, ast.Call):
        return next((k.value.value for k in value.keywords if k.arg == "env_prefix"
                     and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)
    return None


def _is_self_attribute(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _is_super_call(func) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super")


def _source(value, params: set, in_class: bool) -> Optional[tuple]:
    """Where an argument comes from, when it is a parameter of the function or an attribute of self."""
    if isinstance(value, ast.Name) and value.id in params:
        return ("param", value.id)
    if in_class and isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
        return ("self", value.attr)
    return None


def public_names(module: str, facts: Optional[ModuleFacts], structure) -> dict:
    """Public name -> absolute target, for what a module defines or re-exports.

    `__all__` decides when the module has one; otherwise every name without a leading underscore
    that the module defines, or imports from its own package (a re-export in `__init__`).
    """
    if structure is None or is_private(module):
        return {}
    exports = facts.exports if facts is not None else None
    defined = {q for q in structure.functions if "." not in q and q != MODULE_BODY and q != "__main__"}
    top = module.split(".")[0]
    imported = {name: target for name, target in structure.names.items()
                if target and target.split(".")[0] == top and "(" not in target}  # not module-level instances
    candidates = {name: f"{module}.{name}" for name in defined}
    candidates.update(facts.stand_ins if facts is not None else {})
    if facts is not None:
        candidates.update({name: target for name, target in facts.aliases.items() if name not in candidates})
    candidates.update({name: target for name, target in imported.items() if name not in candidates})
    if exports is not None:
        return {f"{module}.{name}": candidates[name] for name in exports if name in candidates}
    return {f"{module}.{name}": target for name, target in candidates.items() if not name.startswith("_")}
