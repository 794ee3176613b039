"""Credentials and provider settings, written as well as read: environment variables, a router's
provider keys, settings objects and fields whose names are a provider's variables."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .models import ENV_READS
from .syntax import first_arg, string_value
from .values import Value

# Attribute or key names that are a credential only together with the name before them:
# `settings.anthropic.key`, `config["openai"]["api_key"]`.
_BARE = {"key", "api_key", "apikey", "token", "api_token", "api_base", "base_url"}
_ENDINGS = ("key", "token", "api_base", "base_url")
# Keywords that name the variable a setting is read from: pydantic's aliases, `env=`.
_NAMING_KEYWORDS = {"alias", "validation_alias", "serialization_alias", "env", "key", "name", "env_var"}
# Calls that remove a variable: they configure nothing.
_REMOVING = ("del", "pop", "unset", "remove")
# Variables an SDK reads for its default endpoint (OPENAI_BASE_URL, ANTHROPIC_BEDROCK_BASE_URL, OPENAI_API_BASE).
_ENDPOINT_VARIABLES = ("_BASE_URL", "_API_BASE")
# Variables that hold a provider's endpoint (AZURE_OPENAI_ENDPOINT, OLLAMA_HOST), read into a client's base_url.
_ENDPOINT_NAMES = _ENDPOINT_VARIABLES + ("_ENDPOINT", "_HOST", "_URL")


class CredentialsMixin:
    """`os.environ["MISTRAL_API_KEY"] = ...`, `litellm.anthropic_key = ...`, `settings.get("ANTHROPIC.KEY")`,
    `settings.openai.api_key`, `openai_api_key: SecretStr`: configuring a provider is using it."""

    def setting(self, node, name: Optional[str], name_node=None) -> None:
        """An env_var finding when `name` is a provider's variable (in any spelling the catalogue knows)."""
        hit = self.cat.credential_for(name) if name else None
        if hit is not None and not self.prose:
            vendor, variable = hit
            shared = variable in self.cat.shared_env_vars  # GOOGLE_API_KEY: counted only beside other evidence
            self.add(node, vendor, "env_var", variable if shared or name.isupper() else name)
        if name_node is not None:
            self.skip_strings.add(id(name_node))

    def endpoint_written(self, target, value: Optional[Value]) -> None:
        """`os.environ["OPENAI_BASE_URL"] = "https://bedrock-mantle.us-east-1.api.aws/v1"`: the SDK's
        clients built after it without an endpoint of their own reach the provider of that host
        (`default_endpoint`); another value written there makes them the SDK's own again."""
        if not isinstance(target, cst.Subscript) or len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return
        name = string_value(target.slice[0].slice.value)
        owner = self.value_of(target.value) if name and name.upper().endswith(_ENDPOINT_VARIABLES) else None
        hit = self.cat.credential_for(name) if owner is not None and owner.path == "os.environ" else None
        if hit is None:
            return
        reached = self.url_vendor(value.text) if value is not None and value.text else None
        if reached and reached != hit[0]:
            self.default_endpoints[hit[0]] = reached
        else:
            self.default_endpoints.pop(hit[0], None)

    def variable_assigned(self, target, value_node) -> None:
        """`azure_endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]`: the variable a name holds, for a
        client's endpoint built from it later (`endpoint_variable_vendor`)."""
        if isinstance(target, cst.Name):
            name = self._variable_read(value_node, 0) if value_node is not None else None
            if name:
                self.variable_names[target.value] = name
            else:
                self.variable_names.pop(target.value, None)

    def endpoint_variable_vendor(self, node) -> Optional[str]:
        """`base_url=os.getenv("OLLAMA_ENDPOINT")`, `base_url=f"{azure_endpoint}/openai/v1/"`: the
        provider whose endpoint variable the argument reads (the catalogue's, or one named after
        the provider), so each branch's client is the provider it is pointed at."""
        name = self._variable_read(node, 0) if node is not None else None
        if not name or not name.upper().endswith(_ENDPOINT_NAMES):
            return None
        hit = self.cat.credential_for(name)
        return hit[0] if hit is not None else self.provider_of_setting(name)

    def _variable_read(self, node, depth: int) -> Optional[str]:
        """The environment variable an expression reads: directly, through a name bound to one, a
        string method on it (`.rstrip("/")`) or an f-string or concatenation built from it."""
        if depth > 4:
            return None
        if isinstance(node, cst.Name):
            return self.variable_names.get(node.value)
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            owner = self.value_of(node.value)
            return string_value(node.slice[0].slice.value) if owner is not None and owner.path == "os.environ" else None
        if isinstance(node, cst.Call):
            func = self.value_of(node.func)
            if func is not None and func.path in ENV_READS:
                argument = first_arg(node, 0, "key")
                return string_value(argument) if argument is not None else None
            return self._variable_read(node.func.value, depth + 1) if isinstance(node.func, cst.Attribute) else None
        if isinstance(node, cst.FormattedString):
            parts = [p.expression for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
            return next((n for n in (self._variable_read(p, depth + 1) for p in parts[:1]) if n), None)
        if isinstance(node, cst.BinaryOperation):
            return self._variable_read(node.left, depth + 1)
        return None

    def default_endpoint(self, node: cst.Call, vendor: str, endpoint_args: tuple) -> Optional[str]:
        """The provider an earlier write of the SDK's endpoint variable points a client at, when
        the client is given no endpoint of its own."""
        if vendor not in self.default_endpoints or not endpoint_args:
            return None
        if any(first_arg(node, None, keyword) is not None for keyword in endpoint_args):
            return None
        return self.default_endpoints[vendor]

    def leave_Attribute(self, node: cst.Attribute) -> None:
        name = node.attr.value
        if self.prose or not name.lower().endswith(_ENDINGS):
            return
        if name.lower() in _BARE:
            owner = _last_name(node.value)
            if owner and not self._sdk_owned(node.value):
                self.setting(node, f"{owner}_{name}")
        else:
            self.setting(node, name)

    def _sdk_owned(self, node) -> bool:
        """`openai.api_key`, `litellm.api_base`: an SDK's or router's own setting, named by its
        module and not by a provider (the SDK import and the value say whose it is)."""
        value = self.value_of(node)
        path = value.path if value is not None else ""
        return bool(path) and (self.vendor_of_path(path) is not None or path.split(".")[0] in self.cat.router_roots)

    def settings_key(self, node: cst.Subscript, text: Optional[str]) -> None:
        """`settings["REPLICATE_API_TOKEN"]`, `config["openai"]["api_key"]`."""
        if not text:
            return
        if text.lower() in _BARE and isinstance(node.value, cst.Subscript) and len(node.value.slice) == 1:
            inner = node.value.slice[0].slice
            owner = string_value(inner.value) if isinstance(inner, cst.Index) else None
            text = f"{owner}_{text}" if owner else None
        self.setting(node, text)

    def setting_arguments(self, node: cst.Call) -> None:
        """Names of provider variables given to a call: `settings.get("ANTHROPIC.KEY")`,
        `AliasChoices("JINA_API_KEY")`, `Field(alias="VOYAGE_API_KEY")`, `monkeypatch.setenv(...)`.
        A keyword's own name is not one (`ChatOpenAI(openai_api_key=...)` also talks to other
        providers; `Settings(openai_api_key=...)` repeats the field the class declares)."""
        if self.prose or self.in_assert:
            return
        found = []
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            value = arg.value
            if (keyword is None or keyword in _NAMING_KEYWORDS) and type(value) is cst.SimpleString and id(value) not in self.skip_strings:
                text = string_value(value)
                if text and self.cat.credential_for(text):
                    found.append((value, text, value))
        if not found:
            return
        callee = cst.helpers.get_full_name_for_node(node.func) or ""
        if any(word in callee.rsplit(".", 1)[-1].lower() for word in _REMOVING):
            return
        for where, name, name_node in found:
            self.setting(where, name, name_node)

    def setting_field(self, target) -> None:
        """A settings class's field named like a provider's variable: `openai_api_key: SecretStr`."""
        if isinstance(target, cst.Name) and self.classes and self.classes[-1] == ".".join(self.names):
            self.setting(target, target.value)


def _last_name(node) -> Optional[str]:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return None
