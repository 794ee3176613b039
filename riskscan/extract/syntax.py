"""Small questions about libcst nodes: string values, arguments, literal rows. No state, no vendors."""

from __future__ import annotations

import ast
import warnings
from functools import lru_cache
from typing import Optional

import libcst as cst

_PROSE_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "echo", "secho", "write"}


def string_value(node) -> Optional[str]:
    """The text of a string literal; f-string holes become `{}` so URLs and prefixes stay visible."""
    if isinstance(node, cst.SimpleString):
        return _token_text(node.value)
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    return None


@lru_cache(maxsize=4096)
def _token_text(token: str) -> Optional[str]:
    """The value of a string token; None for bytes. Most tokens have no escapes and are read by
    slicing off prefix and quotes: libcst's `evaluated_value` compiles every one of them."""
    start = 0
    while start < len(token) and token[start] not in "'\"":
        start += 1
    prefix = token[:start].lower()
    if "b" in prefix:
        return None
    quote = 3 if token[start:start + 3] in ('"""', "'''") and len(token) - start >= 6 else 1
    body = token[start + quote:len(token) - quote]
    if "\r" not in body and ("\\" not in body or "r" in prefix):
        return body
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "\d": an invalid escape warns, and is still a string
            value = ast.literal_eval(token)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def string_parts(node) -> list:
    if isinstance(node, cst.ConcatenatedString):
        return [node.left, node.right] + string_parts(node.left) + string_parts(node.right)
    return [node]


def param_names(params: cst.Parameters) -> list:
    names = [p.name.value for p in list(params.params) + list(params.kwonly_params) + list(params.posonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


_DATA_METHODS = {
    "get", "read", "json", "items", "keys", "values", "decode", "encode", "to_dict", "dict", "model_dump",
    "model_dump_json", "copy", "strip", "split", "join", "lower", "upper", "format", "append", "extend",
    "__getitem__", "iter_lines", "iter_bytes", "close",
    # reading a raw or streamed response that came back
    "parse", "text", "iter_text", "write_to_file", "stream_to_file", "until_done", "to_json",
    "get_final_message", "get_final_text", "get_final_completion", "get_final_response",
}


def is_data_access(path: str) -> bool:
    """A plain data method on something a vendor call returned (`...invoke_model().get`)."""
    head, _, method = path.rpartition(".")
    return method in _DATA_METHODS and "()" in head[head.find("()") + 2:] if "()" in head else False


# Methods of a built-in string: called on an SDK's setting (`dashscope.base_http_api_url.endswith`).
_STRING_METHODS = {
    "endswith", "startswith", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "lower", "upper",
    "casefold", "replace", "removeprefix", "removesuffix", "format", "join", "encode", "partition", "rpartition",
}


def is_sdk_internal(path: str) -> bool:
    """A name of an SDK that sends no request when called: a private helper
    (`api_request_factory._get_protocol_params`, `BaseAioApi._validate_params`) or a string
    method on one of its settings (`dashscope.base_http_api_url.endswith`)."""
    parts = path.replace("()", "").split(".")
    private = parts[-1].startswith("_") and not parts[-1].startswith("__")  # not a private module: `ollama._types.Image` is a type
    return private or len(parts) > 2 and parts[-1] in _STRING_METHODS and parts[-2][:1].islower()


def is_type_stub(module: str) -> bool:
    """Stub-only packages (mypy-boto3-bedrock-runtime) are never imported at run time for real use."""
    top = module.split(".")[0]
    return top.startswith(("mypy_boto3_", "types_boto3_", "types_")) or top.endswith("_stubs")


def literal_rows(node) -> list:
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


def alternatives(node) -> list:
    """The operands a value may come from: both sides of `or`/`and`, both branches of `a if c else b`,
    the elements of a list, tuple or set."""
    if isinstance(node, cst.BooleanOperation):
        return alternatives(node.left) + alternatives(node.right)
    if isinstance(node, cst.IfExp):
        return alternatives(node.body) + alternatives(node.orelse)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return [element.value for element in node.elements if isinstance(element, cst.Element)]
    return [node]


_OPTION_FACTORIES = {"Option", "Argument", "option", "argument", "Field", "Query", "Body", "Form", "Header"}


def declared_default(node):
    """`model: str = typer.Option("gpt-4o", ...)` / `Field(default="gpt-4o")`: the default inside."""
    if isinstance(node, cst.Call):
        name = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", "")
        if name in _OPTION_FACTORIES:
            return first_arg(node, 0, "default")
    return node


def first_arg(node: cst.Call, position, keyword):
    if keyword is not None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if position is not None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) > position:
            return positional[position].value
    return None


def is_prose_call(node: cst.Call) -> bool:
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in ("print", "warn") or func.value.endswith(("Error", "Exception", "Warning"))
    if isinstance(func, cst.Attribute):
        return func.attr.value in _PROSE_METHODS or func.attr.value.endswith(("Error", "Exception", "Warning"))
    return False


