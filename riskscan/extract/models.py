"""Model strings: routed model arguments, and model names given as configuration."""
from __future__ import annotations

import ast
import re
from dataclasses import replace

import libcst as cst

from .syntax import alternatives, declared_default, first_arg, string_value
from .values import Value

MODEL_NAME = re.compile(r"(^|_)(model|llm)(s)?(_(name|id))?$", re.IGNORECASE)
_MODEL_COLLECTION = re.compile(r"(^|_)(models|llms|model_names|model_ids|aliases)$", re.IGNORECASE)
# Calls and names that handle model names without routing to them: tokenizers, price and
# capability tables (`calculate_llm_cost(model=...)`, `tiktoken.encoding_for_model("gpt-4o")`).
NOT_ROUTING = re.compile(r"cost|price|pricing|profile|token|encod|count|limit|context_window|capabilit|supports|model_info", re.IGNORECASE)
# Names that hold a deployment or engine: only a `provider/model` string there names a provider.
_DEPLOYMENT_NAME = re.compile(r"(^|_)(deployment|engine)(s)?(_(name|id))?$", re.IGNORECASE)
_MEMBERSHIP_METHODS = {"startswith", "endswith"}
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-:/@]{1,120}$")
# Objects that hold configuration: `settings.model`, `self.config.llm_model`, `args.model`.
_CONFIG_HOLDER = re.compile(r"^_*(settings?|config|configs|cfg|conf|configuration|options|opts|args|env|environ|params|valves|prefs|preferences)$", re.IGNORECASE)
# Calls that read one setting by name: `os.getenv("LLM_MODEL", "gpt-4o")`, `decouple.config("MODEL")`.
ENV_READS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb", "decouple.config", "environ.Env.str"}


class ModelsMixin:
    """Routers (`litellm.completion(model=...)`), their fallbacks and model lists, and model settings."""

    def _option_default(self, node: cst.Call) -> None:
        """The default of a setting named like a model: `add_argument("--model-id", default="o1")`,
        `os.getenv("LLM_MODEL", "gpt-4o")`, `config.get("model", "claude-sonnet-4-5")`."""
        positional = [a.value for a in node.args if a.keyword is None]
        if isinstance(node.func, cst.Name) and node.func.value == "getattr":
            positional = positional[1:]  # getattr(config, "model", "gpt-4o")
        key = string_value(positional[0]) if positional else None
        if not key or not MODEL_NAME.search(key.lstrip("-").replace("-", "_")):
            return
        default = first_arg(node, None, "default")
        if default is None and len(positional) > 1:
            default = positional[1]
        self._contextual_model(default, setting=key)

    def _call_through_router(self, node: cst.Call, path: str, router: Value) -> None:
        """`router.completion(model="group")` reaches every provider the router was built with."""
        for index in router.routes:
            origin = self.findings[index]
            site = self.add(node, origin.vendor, "call", path, feature="chat", model_setting=origin.model_setting)
            if origin.has_fallback:
                self.mark_fallback(site, origin.fallback_to)
            if origin.fallback_target:
                self.mark_target(site)

    def _route(self, node: cst.Call, rule) -> list:
        primaries, seen_args = [], set()
        provider = None
        for keyword in rule.provider_args:
            text = self.arg_text(node, None, keyword)
            provider = self.cat.model_prefixes.get(text.lower()) if text else None
            if provider:
                break
        for spec in rule.model_args:
            arg = first_arg(node, spec if isinstance(spec, int) else None, spec if isinstance(spec, str) else None)
            if arg is not None and id(arg) not in seen_args:
                seen_args.add(id(arg))
                primaries += self._model_sites(arg, bare=True, provider=provider)
        if provider and not primaries:
            # init_chat_model(model=some_variable, model_provider="ollama")
            keyword = next(k for k in rule.provider_args if first_arg(node, None, k) is not None)
            primaries.append((provider, self.add(first_arg(node, None, keyword), provider, "model_string", provider)))
        for keyword in rule.model_list_args:
            arg = first_arg(node, None, keyword)
            if arg is not None:
                primaries += self._model_sites(arg, bare=True, deep=True)
        fallbacks = []
        for keyword in rule.fallback_args:
            arg = first_arg(node, None, keyword)
            if arg is not None:
                fallbacks += self._model_sites(arg, bare=True, deep=True, as_fallback=True)
        if rule.positional_fallbacks:
            positional = [a.value for a in node.args if a.keyword is None]
            for extra in positional[1:]:
                fallbacks += self._model_sites(extra, bare=True)
        for keyword in rule.fallback_list_args:
            arg = first_arg(node, None, keyword)
            if arg is not None:
                sites = self._model_sites(arg, bare=True, deep=True)
                primaries += sites[:1]
                fallbacks += sites[1:]
        vendors = {v for v, _ in primaries + fallbacks if v}  # "": a model read from configuration, provider not yet known
        has_fallback_arg = any(first_arg(node, None, k) is not None for k in rule.fallback_args)
        for _, index in fallbacks:
            self.mark_target(index)
        for vendor, index in primaries:
            if fallbacks:
                self.mark_fallback(index, [v for v, _ in fallbacks])
            elif has_fallback_arg and len(vendors) > 1:
                self.mark_fallback(index, vendors)
        if any(a.keyword is not None and a.keyword.value in ("num_retries", "max_retries", "retries") for a in node.args):
            for _, index in primaries:  # litellm's num_retries=: the same model again, not a plan B
                if index is not None:
                    self.findings[index] = replace(self.findings[index], retry=True)
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
        configured = self.configured_read(node, value) if provider is None and not as_fallback else None
        if configured is not None:
            sites.append(self._configured_site(node, *configured))
        elif value is not None and value.text is not None:
            vendor = provider or self.cat.vendor_for_model(value.text, allow_bare=bare)
            if vendor:
                sites.append((vendor, self.add(node, vendor, "model_string", value.text)))
        elif value is not None and value.vendor:
            sites.append((value.vendor, value.site))
        return sites

    def _configured_site(self, node, setting: str, default, default_node) -> tuple:
        """(vendor, index) of a router model read from configuration: a call site whose provider the
        setting chooses at run time (switches.py credits it). Its default names the provider it
        reaches unless configured otherwise; without one the vendor is left empty for attribution.py
        to find from the repository's settings. The default written in the call is the same use as
        the read: one finding there, not a setting and a site; a default kept elsewhere
        (`MODEL = os.getenv("M", "gpt-4o")`) has its own finding, which names the model."""
        vendor = self.cat.vendor_for_model(default) if default else None
        here = vendor is not None and default_node is not None  # else the default's own finding names the model
        index = self.add(default_node if here else node, vendor or "", "model_string", default if here else setting,
                         model_setting=setting)
        finding = self.findings[index]
        self.findings[index] = replace(finding, feature=None, model_setting=setting, model=default if here else None)
        return vendor or "", index

    def configured_read(self, node, value=None):
        """(setting, default text, default node) when `node` reads a model name from configuration:
        an environment variable, a settings object's attribute or key, or a name bound to such a
        read; None otherwise."""
        if isinstance(node, cst.Call):
            return self._read_call(node)
        value = value if value is not None else self.value_of(node)
        if value is not None and value.setting:
            return value.setting, value.default, None
        if isinstance(node, cst.BooleanOperation):  # `os.getenv("LLM_MODEL") or "gpt-4o"`
            options = alternatives(node)
            read = self.configured_read(options[0]) if options else None
            literal = next((o for o in options[1:] if string_value(o) is not None), None)
            if read is not None:
                return (read[0], string_value(literal), literal) if literal is not None and read[1] is None else read
            return None
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            owner = cst.helpers.get_full_name_for_node(node.value) or ""
            key = string_value(node.slice[0].slice.value)
            if key and (owner.endswith("environ") or MODEL_NAME.search(key) and _holds_config(owner)):
                return (key if owner.endswith("environ") else f"{owner}[{key!r}]"), None, None
        if isinstance(node, cst.Attribute):
            name = cst.helpers.get_full_name_for_node(node) or ""
            owner, _, attr = name.rpartition(".")
            if MODEL_NAME.search(attr) and _holds_config(owner):
                return name, None, None
        return None

    def _read_call(self, node: cst.Call):
        """`os.getenv("LLM_MODEL", "gpt-4o")`, `config.get("model", "gpt-4o")`, `getattr(settings, "model", "gpt-4o")`."""
        func = self.value_of(node.func)
        path = func.path.replace("()", "") if func is not None else ""
        name = cst.helpers.get_full_name_for_node(node.func) or ""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if path in ENV_READS:
            key, default = first_arg(node, 0, "key"), first_arg(node, 1, "default")
            setting = string_value(key) if key is not None else None
        elif name == "getattr" and len(positional) >= 2:
            owner, key, default = positional[0], positional[1], first_arg(node, 2, "default")
            setting = f"{cst.helpers.get_full_name_for_node(owner) or ''}.{string_value(key) or ''}"
            setting = setting if MODEL_NAME.search(setting.rpartition(".")[2]) else None
        elif name.endswith(".get") and positional and _holds_config(name[:-4]):
            key, default = positional[0], first_arg(node, 1, "default")
            text = string_value(key)
            setting = f"{name[:-4]}[{text!r}]" if text and MODEL_NAME.search(text) else None
        else:
            return None
        if not setting:
            return None
        text = string_value(default) if default is not None else None
        return setting, text, default if text is not None else None

    def _contextual_model(self, node, bare: bool = True, setting=None) -> None:
        """A model string given as obvious model configuration outside a known router call.

        `provider/model` strings are trusted when the model part is credible for the provider;
        a bare name (`gpt-4o`) counts for its maker when configured for something that routes it.
        """
        if node is None or self.prose or self.in_assert:
            return
        if isinstance(node, (cst.BooleanOperation, cst.IfExp, cst.List, cst.Tuple, cst.Set)):
            for option in alternatives(node):
                self._contextual_model(option, bare, setting)
            return
        text = string_value(node)
        if text is None or not MODEL_ID.match(text):
            return
        vendor = self.cat.prefixed_model_vendor(text)
        if vendor is None and bare and "/" not in text:
            vendor = self.cat.vendor_for_model(text)  # also Bedrock ids such as `amazon.titan-embed-text-v2:0`
        if vendor:
            self.add(node, vendor, "model_string", text, feature="config", model_setting=setting)

    def _named_model(self, name: str, value_node) -> None:
        """A value stored under a model-like name; deployments only count with a provider prefix."""
        if isinstance(value_node, (cst.List, cst.Tuple, cst.Set, cst.Dict)) and _MODEL_COLLECTION.search(name):
            # MODEL_ALIASES = {"sonnet": "claude-sonnet-4-6"}, SUPPORTED_MODELS = ["gpt-4o", ...]
            start = len(self.findings)
            elements = value_node.elements
            values = [e.value for e in elements if isinstance(e, (cst.DictElement, cst.Element))]
            for value in values:
                # a row may pair a model with its settings: ("openai:gpt-5-mini", "OPENAI_API_KEY");
                # rows nested deeper are price or capability tables: (("gpt-5.5-pro",), 30.0, 180.0)
                cells = alternatives(value) if isinstance(value, (cst.Tuple, cst.List)) else [value]
                for cell in cells:
                    if string_value(cell) is not None:
                        self._contextual_model(cell)
            self.model_collections.setdefault(name, []).extend(range(start, len(self.findings)))
        elif NOT_ROUTING.search(name):
            return
        elif MODEL_NAME.search(name):  # `answer_model: str = Field(default="gemini-2.5-pro")` too
            read = self.configured_read(value_node) if isinstance(value_node, (cst.Call, cst.BooleanOperation)) else None
            self._contextual_model(declared_default(value_node), setting=read[0] if read else name)
        elif _DEPLOYMENT_NAME.search(name):
            self._contextual_model(declared_default(value_node), bare=False, setting=name)

    def capability_collections(self, tree) -> set:  # tree: the stdlib parse, or a function that makes it
        """Indices of the findings of model collections that only describe capabilities:
        `REASONING_MODELS = {"o1", ...}` read only by `model in REASONING_MODELS` or
        `model.startswith(VISION_MODELS)` selects nothing. A collection the module iterates,
        passes on or never reads (another module may) offers models, and keeps its findings."""
        names = {name for name, indices in self.model_collections.items() if indices}
        tree = tree() if names and callable(tree) else tree
        if not names or tree is None:
            return set()
        uses = _collection_uses(tree, names)
        return {i for name in names if uses.get(name) == {"membership"} for i in self.model_collections[name]}

    # Param and Dict are read on leaving: the walk has numbered the strings inside by then.
    def leave_Param(self, node: cst.Param) -> None:
        name = node.name.value
        if node.default is not None and MODEL_NAME.search(name) and not NOT_ROUTING.search(name):
            self._contextual_model(declared_default(node.default), setting=name)

    def leave_Dict(self, node: cst.Dict) -> None:
        keys = {string_value(e.key) for e in node.elements if isinstance(e, cst.DictElement)}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = string_value(element.key)
            # LiteLLM's "model_name" beside "litellm_params" is a group alias, not a model
            if key and MODEL_NAME.search(key) and not (key == "model_name" and "litellm_params" in keys):
                self._contextual_model(element.value, setting=key)


def _holds_config(dotted: str) -> bool:
    """`settings`, `self.config`, `app.settings.llm`: some part of the owner names configuration."""
    return any(_CONFIG_HOLDER.match(part) for part in dotted.split(".") if part)


def _collection_uses(tree: ast.Module, names: set) -> dict:
    """name -> how the module reads it: {"membership"} when only as the right side of `in` /
    `not in`, as the argument of `startswith`/`endswith`, or as what a loop or comprehension
    runs over only to test each element (`for m in NAMES: if m in model`); "other" among them
    otherwise."""
    membership = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            membership.update(id(c) for op, c in zip(node.ops, node.comparators) if isinstance(op, (ast.In, ast.NotIn)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MEMBERSHIP_METHODS:
            membership.update(id(arg) for arg in node.args)
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            if _only_tested(node.target.id, node.body):
                membership.add(id(node.iter))
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and len(node.generators) == 1:
            generator = node.generators[0]
            if isinstance(generator.target, ast.Name) and _only_tested(generator.target.id, [node.elt] + generator.ifs):
                membership.add(id(generator.iter))
    uses: dict = {}
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name in names and isinstance(node.ctx, ast.Load):
            uses.setdefault(name, set()).add("membership" if id(node) in membership else "other")
    return uses


def _only_tested(variable: str, nodes: list) -> bool:
    """Whether every read of `variable` in `nodes` is inside a comparison or a startswith/endswith test."""
    tested, reads = set(), set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Compare) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                                                 and node.func.attr in _MEMBERSHIP_METHODS):
                tested.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == variable)
            elif isinstance(node, ast.Name) and node.id == variable and isinstance(node.ctx, ast.Load):
                reads.add(id(node))
    return bool(reads) and reads <= tested
