"""Requests a package sends over plain HTTP (requests, httpx, aiohttp) to a URL its own code names.

A request is a call site only when both halves are there: a request function (`requests.post`,
`httpx.Client().post`, `aiohttp.ClientSession().post`, `.request`, `.stream`) and a URL argument
whose text names a provider's API host, from a literal, a module constant, a class attribute's
default (`base_url: str = "https://api.together.xyz/v1/completions"`) or what a method stores in
the attribute (`self._url = "https://api.jina.ai/v1/embeddings"`). A host in a docstring or a GET
of a web page names nobody. A URL whose base the code leaves open (a helper's `url` parameter,
`f"{self.api_url}/embeddings"`) is *open*: it names a provider only through the symbol that
reaches it (reach.py: the API host the symbol's own code names, its default base URL).
"""
from __future__ import annotations

import ast
import re
from typing import Callable, Optional

from ..extract.strings import StringsMixin

_METHODS = {"post", "request", "stream"}
_MODULES = {"requests", "httpx"}  # `requests.post(...)`, `httpx.post(...)`
_SESSIONS = {"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}
_FEATURES = (("chat/completions", "chat"), ("messages", "chat"), ("chat", "chat"), ("embed", "embeddings"),
             ("rerank", "rerank"), ("ranking", "rerank"), ("images", "images"), ("audio", "audio"),
             ("completions", "completions"), ("generate", "completions"))
UNKNOWN = "{}"  # a piece of a URL the code does not fix, written as the scan writes it (extract/strings.py)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_request(target: Optional[str]) -> bool:
    """Whether a resolved call target is a request function of an HTTP library."""
    if not target:
        return False
    head, _, method = target.rpartition(".")
    return method in _METHODS and (head in _MODULES or head.removesuffix("()") in _SESSIONS)


def url_argument(call: ast.Call) -> Optional[ast.AST]:
    """The URL a request call is given: `url=` or the first positional argument (after the
    method of `.request("POST", url)`)."""
    for keyword in call.keywords:
        if keyword.arg == "url":
            return keyword.value
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    position = 1 if method == "request" else 0
    return call.args[position] if len(call.args) > position else None


def url_parts(node) -> tuple:
    """The pieces of a URL expression: ("text", s), ("name", n) for a module constant, ("self", a)
    for an attribute of the instance; an unknown piece is left out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (("text", node.value),)
    if isinstance(node, ast.JoinedStr):
        return tuple(part for value in node.values
                     for part in url_parts(value.value if isinstance(value, ast.FormattedValue) else value))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return url_parts(node.left) + url_parts(node.right)
    if isinstance(node, ast.Name):
        return (("name", node.id),)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return (("self", node.attr),)
    if isinstance(node, ast.IfExp):  # `base if custom else f"{base}/ranking"`: the branch that says more
        return max(url_parts(node.body), url_parts(node.orelse), key=lambda parts: sum(k == "text" for k, _ in parts))
    return ()


def has_text(parts: tuple) -> bool:
    """Whether URL parts hold any literal text (a value worth keeping for a variable or attribute)."""
    return any(kind == "text" for kind, _ in parts)


def string_default(node) -> Optional[str]:
    """`"https://..."`, or `Field(default="https://...")` / `field(default=...)`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call):
        for keyword in node.keywords:
            if keyword.arg == "default" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                return keyword.value.value
    return None


class Hosts:
    """Which provider a URL names, as the scan decides it (extract/strings.py)."""

    url_vendor = StringsMixin.url_vendor

    def __init__(self, catalogue):
        self.cat = catalogue

    def provider(self, parts: tuple, constants: Callable, attribute: Callable) -> Optional[tuple]:
        """(provider, feature) of a URL from its parts; `constants(name)` and `attribute(name)` give
        the text of a module constant and of an instance attribute. The provider is None for an
        open URL (no scheme and host in the code); the answer is None for another host's URL."""
        texts = []
        for kind, value in parts:
            text = value if kind == "text" else constants(value) if kind == "name" else attribute(value)
            texts.append(text or UNKNOWN)
        url = "".join(texts)
        vendor = self.url_vendor(url)
        if vendor is None and _SCHEME.match(url) and not url.split("://", 1)[1].startswith(UNKNOWN):
            return None  # another host's URL (`https://{host}/...` leaves the host open)
        path = url.lower().split("://", 1)[-1]
        feature = next((name for marker, name in _FEATURES if marker in path.partition("/")[2]), "other")
        return vendor, feature
