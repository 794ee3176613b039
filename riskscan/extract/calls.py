"""Calls: clients and adapters built, vendor calls made, and what they reach."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

import libcst as cst

from ..model import NOT_A_REQUEST
from .models import ENV_READS, MODEL_NAME, NOT_ROUTING, MODEL_ID
from .syntax import first_arg, is_data_access, is_prose_call, is_sdk_internal, string_value
from .flow import CLASS
from .values import Value

# Methods that configure a framework object without calling the provider.
_CONFIGURING_METHODS = {
    "with_fallbacks", "bind_tools", "with_structured_output", "bind", "with_config", "with_retry",
    "configurable_fields", "configurable_alternatives", "pipe", "with_types", "with_listeners",
    "with_options", "copy",  # an SDK client with other options: the same provider
}
# Client methods that release a client or read its state: no request leaves the process.
_PLUMBING_METHODS = {"close", "aclose", "__enter__", "__exit__", "__aenter__", "__aexit__"}
# Methods of a framework's model object that answer from the object itself: hooks, token
# counting, serialisation, introspection (`llm.get_num_tokens(text)`, `client.on("completion:kwargs", f)`).
_LOCAL_METHODS = {
    "on", "off", "clear", "get_num_tokens", "get_num_tokens_from_messages", "get_token_ids", "count_tokens",
    "class_name", "get_name", "get_input_schema", "get_output_schema", "get_graph", "is_lc_serializable",
    "model_copy", "dict", "json", "to_dict", "to_json", "model_dump",
    "model_dump_json", "copy",
}
# Classes an SDK builds to describe a request or answer, whatever module holds them.
_DATA_CLASS = re.compile(r"[A-Z][A-Za-z0-9]*(Request|Response|Config|Params|Param|Error|Exception)$")
_ENDPOINT_SETTING = re.compile(r"^([a-z][a-z0-9_]*?)_(base_url|api_base|api_url|host|endpoint|url)$")
_CLIENT_ARGS = {"client", "async_client", "openai_client", "sync_client"}
# Calls that read or set one environment variable, named by their first argument.
_ENV_ACCESS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb", "os.putenv", "decouple.config", "environ.Env.str"}
_IMPORTERS = {"importlib.import_module", "importlib.__import__"}
_CASTS = {"typing.cast", "typing_extensions.cast"}
_DEFERRED = {"functools.partial"}  # binds a request to send later: the call site is where it is bound
_MODEL_KEYWORDS = ("model", "model_name", "model_id", "modelId", "engine")  # where a vendor call takes its model
_RETRY_KEYWORDS = ("max_retries", "num_retries", "retries", "max_attempts")


class CallsMixin:
    """Resolves each call to a client, an adapter, a vendor call or a router, and records it."""

    def visit_Call(self, node: cst.Call) -> None:
        if is_prose_call(node):
            self.prose += 1

    def leave_Call(self, node: cst.Call) -> None:
        handled = self._call(node)
        if self.prose:
            return
        self.setting_arguments(node)
        callee = cst.helpers.get_full_name_for_node(node.func) or ""
        if not handled and not NOT_ROUTING.search(callee):
            # a call we cannot resolve may be a router of the project's own (a wrapper around LiteLLM)
            for arg in node.args:
                if arg.keyword is not None and MODEL_NAME.search(arg.keyword.value):
                    self._contextual_model(arg.value, bare=True)
        self._option_default(node)

    def _call(self, node: cst.Call) -> bool:
        """Record what a call reaches; True when it is a vendor, router or environment call."""
        if is_prose_call(node):
            self.prose -= 1
            return True
        func = self.value_of(node.func)
        path = func.path if func else ""
        if not path:
            if isinstance(node.func, cst.Name) and node.func.value == "__import__":
                text = self.arg_text(node, 0, "name")
                if text:
                    self.call_values[id(node)] = self._dynamic_import(node, text)
            elif isinstance(node.func, cst.Name) and self.factory_call(node, node.func.value, None):
                return True  # `aws_client("bedrock-runtime")`: a factory of this module (service_clients.py)
            elif func is None and self.untyped_client(node):
                return True  # `session.client(service_name="bedrock-runtime")` on an untyped session
            else:
                self._own_function_call(node.func)
            returned = self.returned_value(node.func) if func is None else None
            if returned is not None:  # `self.get_client()`: a factory of this module
                self.call_values[id(node)] = returned
                return True
            self._with_fallbacks(node)
            return False
        if path.startswith(CLASS):  # one of the module's own classes
            self.call_values[id(node)] = self.module_class_call(path)
            return self.call_values[id(node)].vendor is not None
        clean = path.replace("()", "")
        if clean in _CASTS:  # `cast("genai.Client", self._client)`: the declared type, else the value
            declared, value = first_arg(node, 0, "typ"), first_arg(node, 1, "val")
            self.call_values[id(node)] = ((self.annotation_value(declared) if declared is not None else None)
                                          or (self.value_of(value) if value is not None else None) or Value())
            return self.call_values[id(node)].vendor is not None
        if clean in _DEFERRED and node.args and node.args[0].keyword is None:
            target = self.value_of(node.args[0].value)  # `partial(client.messages.create, model=...)`: the request, sent later
            if target is not None and target.vendor and not target.result and "()" in target.path:
                self._instance_call(node, target.path, target)
                self.call_values[id(node)] = Value(path=f"{clean}()")  # calling the partial is not a second site
                return True
            entry, vendor = self._entry_for(target.path, node) if target is not None and target.path and not target.vendor \
                and "()" not in target.path else (None, None)
            if entry is not None:  # `partial(AsyncInferenceClient, api_key=key)`: the client, built whenever it is called
                self._construct(node, target.path, target, entry, vendor)
                self.call_values[id(node)] = Value(path=target.path, binding=target.binding)
                return True
        if clean in _IMPORTERS:
            text = self.arg_text(node, 0, "name")
            if text:
                self.call_values[id(node)] = self._dynamic_import(node, text)
            return True
        if clean in _ENV_ACCESS:
            argument = first_arg(node, 0, "key")
            value = self.value_of(argument) if argument is not None else None
            for name in (value.choices if value is not None and value.choices else (value.text if value else None,)):
                self.setting(node, name, argument)
            read = self.configured_read(node) if clean in ENV_READS else None
            if read is not None:  # `MODEL = os.getenv("LLM_MODEL", "gpt-4o")`: a setting, for a router to read
                self.call_values[id(node)] = Value(setting=read[0], default=read[1])
            return True
        if clean == "os.environ.update":  # os.environ.update({"GROQ_API_KEY": key}, MISTRAL_API_KEY=...)
            for arg in node.args:
                if arg.keyword is not None:
                    self.setting(node, arg.keyword.value)
                elif isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            self.setting(element.key, string_value(element.key), element.key)
            return True
        handled = path in self.cat.router_callables
        routes = []
        if handled:
            rule = self.cat.router_callables[path]
            routes = self._route(node, rule)
            # `litellm.completion(...)` returns its answer: reading it (`resp.model_dump()`) sends nothing
            self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding,
                                               routes=() if rule.answers else tuple(routes), result=rule.answers)
        configuring = path.rsplit(".", 1)[-1] in _CONFIGURING_METHODS
        if func.routes and not routes and not configuring:  # a model given to this very call overrides the router's own
            self._call_through_router(node, path, func)
            return True
        if not handled and self.factory_call(node, path, func):  # a factory another module exports
            return True
        entry, vendor = self._entry_for(path, node)
        if entry is not None:
            self._construct(node, path, func, entry, vendor)
        elif func.vendor is not None and configuring:
            self.call_values[id(node)] = replace(func, path=f"{path}()", text=None, node=None)
        elif func.vendor is not None and (is_data_access(path) or path.rsplit(".", 1)[-1] in _PLUMBING_METHODS):
            pass  # `response.get("body").read()`, `client.close()`: no request is sent
        elif func.vendor is not None and func.kind == "adapter" and not _adapter_request(path, func):
            pass  # `llm.get_num_tokens(text)`, `client.on("completion:kwargs", log)`, a method of its answer
        elif func.vendor is not None:
            self._instance_call(node, path, func)
        elif not handled:
            self._sdk_call(node, path, func)
        self._with_fallbacks(node)
        value = self.call_values.get(id(node))
        return handled or (value is not None and value.vendor is not None)

    def _construct(self, node: cst.Call, path: str, func: Value, entry, vendor: str) -> None:
        """A client or adapter class of the rules built: where its endpoint or wrapped client points."""
        vendor = (self._endpoint_vendor(node, entry.endpoint_args) or self._wrapped_vendor(node)
                  or self.default_endpoint(node, vendor, entry.endpoint_args) or vendor)
        kind = "adapter" if entry.kind == "adapter" else "call"
        index = self.add(node, vendor, kind, path, feature=entry.feature or ("client" if kind == "call" else None), framework=entry.framework,
                         service=self._service(path, vendor), **self._call_facts(node), **_retry_flag(_has_retries(node)))
        self.mark_fallback(index, entry.fallback_to)  # a learned wrapper's own plan B
        self._derive(func, vendor)
        self.call_values[id(node)] = Value(path=f"{path}()", vendor=vendor, binding=func.binding, site=index, kind=entry.kind, feature=entry.feature)

    def _own_function_call(self, func) -> None:
        """A call of one of the module's functions (`fallback(q)`, `self._claude(q)`): from an
        except handler it may be a plan B; anywhere else it runs in normal flow."""
        if isinstance(func, cst.Name):
            name = func.value
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            name = func.attr.value
        else:
            return
        if self.tries and self.tries[-1][1] == "handler":
            self.handler_calls.append((self.tries[-1][0], name))
        elif not self.names or self.names[-1] != name:  # a function calling itself (a retry) is no normal use
            self.normal_calls.add(name)

    def _instance_call(self, node: cst.Call, path: str, func: Value) -> None:
        """A method of a client or adapter: `client.chat.completions.create(...)`."""
        feature = self._feature(path, func)
        inherited = func.site is not None and self.findings[func.site].retry  # a client built with max_retries=
        index = self.add(node, func.vendor, "call", path, feature=feature, service=self._service(path, func.vendor),
                         **self._call_facts(node), **_retry_flag(inherited or _has_retries(node)),
                         **({"branch_alternatives": func.alternatives} if func.alternatives else {}))
        self.mark_fallback(index, self._own_fallbacks(path))
        self._derive(func, func.vendor)
        self.call_values[id(node)] = replace(func, path=f"{path}()", text=None, node=None, result=True)

    def _sdk_call(self, node: cst.Call, path: str, func: Value) -> None:
        """A name inside an SDK or a provider's adapter package called directly.

        A request or response class (`types.Content(...)`, `ToolResources(...)`) is a `type`
        finding whose instance reaches nothing; another class of the SDK is an object built
        (feature `client`), whose methods may send requests; a function is a call.
        """
        hit = self.vendor_of_path(path) if "()" not in path else None  # "()": a method of a data object
        if hit is None:
            self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding)
            return
        vendor, kind, root = hit
        clean = path.replace("()", "")
        self._derive(func, vendor)
        if kind == "call" and is_sdk_internal(clean):  # a private helper, a string method: nothing is sent
            self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding)
            return
        sdk_type = kind == "call" and (self.cat.root_vendor(clean, self.cat.type_modules) or _data_class(clean[len(root) + 1:])
                                       or self._sdk_helper(root, clean))
        if sdk_type or kind == "adapter":
            # the rules' adapter classes were found above (`_entry_for`); anything else an adapter
            # package offers, its messages, enums and exceptions (`type`), helpers and constants, sends nothing
            if sdk_type or _constructed(clean):
                self.add(node, vendor, "type", path)
            self.call_values[id(node)] = Value(path=f"{path}()", binding=func.binding)
            return
        feature = None
        if kind == "call":
            feature = self.cat.feature_for(root, tuple(clean[len(root) + 1:].split("."))) or _constructed(clean) or "other"
        index = self.add(node, vendor, kind, path, feature=feature, service=self._service(path, vendor), **self._call_facts(node))
        self.call_values[id(node)] = Value(path=f"{path}()", vendor=vendor, binding=func.binding, site=index, kind=kind)

    def _sdk_helper(self, root: str, clean: str) -> bool:
        """A function of an SDK's modules (no class on the way: `anthropic.transform_schema`,
        `openai.pydantic_function_tool`) that none of its catalogued request paths names, when the
        catalogue lists that SDK's requests at all: it works locally (reshapes a schema, builds
        a tool definition), so it is API-shape coupling like a request type, not a request.
        (`ollama.chat` and `replicate.run` are listed, `sagemaker.get_execution_role` is a
        service's call; a class's method, the old `openai.ChatCompletion.create`, is left a call.)"""
        rest = tuple(clean[len(root) + 1:].split("."))
        return (bool(self.cat.call_features.get(root)) and all(part[:1].islower() for part in rest)
                and self.cat.feature_for(root, rest) is None and self.cat.root_vendor(clean, self.cat.service_roots) is None)

    def _service(self, path: str, vendor: str) -> Optional[str]:
        """The non-inference service a call reaches (Vertex AI Vector Search, a Bedrock knowledge
        base), from the catalogue's `[[services]]`: by the class or module, or by the client method."""
        hit = self.cat.root_vendor(path, self.cat.service_roots)
        if hit is not None:
            return hit[1]
        if "()" in path:
            return self.cat.service_for_call(vendor, tuple(path.rsplit("()", 1)[-1].lstrip(".").split(".")))
        return None

    def _own_fallbacks(self, path: str) -> tuple:
        """Providers a learned wrapper falls back to by itself: `acme_llm.Chat().ask` has Chat's."""
        entry = self.cat.entry_for(path.split("()", 1)[0]) if "()" in path else None
        return entry.fallback_to if entry is not None else ()

    def _call_facts(self, node: cst.Call) -> dict:
        """What dependencies.py needs from a vendor call: its model literal (for the retirement
        dates) and its keyword names (`previous_response_id`: state kept at the vendor)."""
        keywords = tuple(sorted({a.keyword.value for a in node.args if a.keyword is not None}))
        return {"model": self._model_literal(node), "arguments": keywords}

    def _model_literal(self, node: cst.Call) -> Optional[str]:
        """`model="gpt-4o"` (or a name bound to such a string); a first positional argument only when it names a known model."""
        for keyword in _MODEL_KEYWORDS:
            text = self.arg_text(node, None, keyword)
            if text and MODEL_ID.match(text):
                return text
        text = self.arg_text(node, 0, None)
        return text if text and MODEL_ID.match(text) and self.cat.vendor_for_model(text) else None

    def _entry_for(self, path: str, node: cst.Call):
        entry = self.cat.entry_for(path)
        head, _, method = path.rpartition(".")
        if entry is None and method.startswith("from_") and "(" not in head:
            entry = self.cat.entry_for(head)  # OpenAIAgent.from_tools(...), ChatHuggingFace.from_model_id(...)
        if entry is not None:
            return entry, entry.vendor
        return self.discriminated_entry(node, path)

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
            text = self.arg_text(node, None, keyword)
            argument = first_arg(node, None, keyword)
            vendor = ((self.url_vendor(text) if text else None) or self._named_endpoint(argument)
                      or self.endpoint_variable_vendor(argument))
            if vendor:
                return vendor
        return None

    def _named_endpoint(self, node) -> Optional[str]:
        name = cst.helpers.get_full_name_for_node(node) if node is not None else None
        return self.provider_of_setting(name.rsplit(".", 1)[-1]) if name else None

    def provider_of_setting(self, name: str) -> Optional[str]:
        """The provider an endpoint setting is named after: `lmstudio_base_url`, `OLLAMA_ENDPOINT`."""
        match = _ENDPOINT_SETTING.match(name.lower())
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
            if func.binding < len(self.bindings):
                self.bindings[func.binding].derived.add(vendor)
            else:  # a hint from a first walk names an import this walk has not reached yet
                self.late_derived.append((func.binding, vendor))


def _data_class(rest: str) -> bool:
    """A request or response class of an SDK, or one of its methods (`GenerationResponse.from_api_response`
    builds the answer object locally from one already received)."""
    return any(_DATA_CLASS.match(part) for part in rest.split("."))


def _adapter_request(path: str, func: Value) -> bool:
    """A method of an adapter instance that asks the provider: `llm.invoke(...)`,
    `client.chat.completions.create(...)` on an instructor client. Not a private helper
    (`llm._get_client_params()`), a method answered by the object itself, or a method of what a
    request returned (`result.content.startswith(...)`)."""
    if func.result:
        return False
    method = path.rsplit(".", 1)[-1]
    return not (method.startswith("_") and method != "__call__") and method not in _LOCAL_METHODS


def _constructed(qualname: str) -> Optional[str]:
    """`client` for a class built (`aiplatform.Endpoint(...)`): building an SDK object sends nothing."""
    name = qualname.rsplit(".", 1)[-1]
    return "client" if name[:1].isupper() and not name.isupper() else None


def _has_retries(node: cst.Call) -> bool:
    """`OpenAI(max_retries=5)`, `litellm.completion(..., num_retries=3)`: retries on the same provider."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in _RETRY_KEYWORDS:
            value = arg.value
            return not (isinstance(value, cst.Integer) and value.value == "0")
    return False


def _retry_flag(retry: bool) -> dict:
    return {"retry": True} if retry else {}


def one_site_per_model_object(findings: list) -> None:
    """An adapter built and asked in the same code sends one request, not two: where the model
    object it gives is asked (`llm = ChatOpenAI(...)` then `llm.invoke(q)`) the asking is the call
    site and the building only makes a client. "The same code" is the same top-level function or
    class (built in `__init__`, asked in a method), or anywhere in the module for an object built at
    module level. An adapter handed on unasked (to a chain or an agent) stays the site: its requests
    are made where the code cannot see them."""
    asked = {}  # adapter class -> owners of the code that asks a model object it built
    for finding in findings:
        if finding.kind == "call" and "()" in finding.detail and finding.feature not in NOT_A_REQUEST:
            asked.setdefault(finding.detail.partition("()")[0], set()).add(_owner(finding.function))
    for i, finding in enumerate(findings):
        if finding.kind != "adapter" or finding.feature in NOT_A_REQUEST or finding.detail not in asked:
            continue
        owner = _owner(finding.function)
        if owner == "" or owner in asked[finding.detail]:
            findings[i] = replace(finding, feature="client")


def _owner(function) -> str:
    """The top-level function or class a dotted function name belongs to ("" at module level)."""
    return (function or "").partition(".")[0]
