"""Requests a package sends over plain HTTP (requests, httpx, aiohttp) to a URL its own code names.

A request is a call site only when both halves are there: a request function (`requests.post`,
`httpx.Client().post`, `aiohttp.ClientSession().post`, `.request`, `.stream`) and a URL argument
whose text names a provider's API host, from a literal, a module constant or a class attribute's
default (`base_url: str = "https://api.together.xyz/v1/completions"`). A host in a docstring, a
GET of a web page, or a URL the caller passes name nobody.
"""
from __future__ import annotations

import ast
from typing import Callable, Optional

from ..extract.strings import StringsMixin

_METHODS = {"post", "request", "stream"}
_MODULES = {"requests", "httpx"}  # `requests.post(...)`, `httpx.post(...)`
_SESSIONS = {"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}
_FEATURES = (("chat/completions", "chat"), ("messages", "chat"), ("chat", "chat"), ("embed", "embeddings"),
             ("rerank", "rerank"), ("images", "images"), ("audio", "audio"), ("completions", "completions"),
             ("generate", "completions"))


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
    return ()


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
        the text of a module constant and of an instance attribute's default."""
        texts = []
        for kind, value in parts:
            text = value if kind == "text" else constants(value) if kind == "name" else attribute(value)
            texts.append(text or "")
        url = "".join(texts)
        vendor = self.url_vendor(url) if url else None
        if vendor is None:
            return None
        path = url.lower().split("://", 1)[-1]
        feature = next((name for marker, name in _FEATURES if marker in path.partition("/")[2]), "other")
        return vendor, feature
