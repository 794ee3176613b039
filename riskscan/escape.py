"""Untrusted text made safe to show: control characters, bidi overrides and undecodable bytes become visible escapes.

Everything riskscan reports comes from the scanned repository (paths, snippets, strings), so a
file name or string literal could carry a terminal escape sequence (recolour, retitle, hide
lines), a newline that forges a report line, a right-to-left override that reorders what a
reviewer reads (Trojan Source), or bytes that are not text at all (a lone surrogate from a
non-UTF-8 file name, which cannot even be written to a UTF-8 stream).
"""
from __future__ import annotations

import json
import re

# C0 controls (tab kept), DEL, C1 controls, bidi embeddings/overrides/isolates and marks,
# line/paragraph separators, and lone surrogates (undecodable bytes of os.fsdecode).
_BEYOND_ASCII = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f{_BEYOND_ASCII}]")
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_ASCII}]")  # json.dumps escapes the C0 controls itself
# A whole document keeps its line breaks and tabs; the terminal report, the colours it styled itself with.
_UNSAFE_IN_DOCUMENT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_BEYOND_ASCII}]")
_UNSAFE_IN_COLOURED = re.compile(f"\x1b(?!\\[[0-9;]*m)|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f{_BEYOND_ASCII}]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text) -> str:
    """`text` with every unsafe character shown as a backslash escape (`\\x1b`, `\\u202e`)."""
    text = str(text)
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def safe_document(text: str, colours: bool = False) -> str:
    """The last line of defence for every document riskscan writes, whatever its format: a key a
    producer let through is masked (redact.redact_document keeps JSON valid), and any unsafe
    character a renderer let through is shown as an escape. `colours`: keep SGR colour codes
    (the terminal report styles itself; every string from the tree in it was escaped already)."""
    from .redact import redact_document

    text = redact_document(text)
    unsafe = _UNSAFE_IN_COLOURED if colours else _UNSAFE_IN_DOCUMENT
    return unsafe.sub(_visible, text) if unsafe.search(text) else text


def printable_lines(text) -> str:
    """Like `printable`, but keeps line breaks: for multi-line messages (every problem of a rule file)."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def json_safe(dumped: str) -> str:
    """JSON text (from json.dumps(ensure_ascii=False)) with unsafe characters as `\\uXXXX` escapes.

    Lossless: a JSON reader gets the same strings back, while the file itself stays valid
    UTF-8 and shows no control or bidi characters to a person or tool that views it.
    """
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def dump_json(document) -> str:
    """A JSON document as every riskscan file writes it: indented, readable UTF-8, nothing unsafe raw."""
    try:
        text = indented_json(document)
    except (TypeError, RecursionError):  # a value only the json module knows how to write
        text = json.dumps(document, indent=2, ensure_ascii=False)
    return json_safe(text) + "\n"


def indented_json(value, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    """Exactly `json.dumps(value, indent=2, ensure_ascii=ensure_ascii, sort_keys=sort_keys)` for
    dicts (string keys), lists, tuples, strings, numbers, booleans and None; TypeError for anything else.

    With an indent the json module gives up its C encoder for a generator per value, which made
    writing a large report take seconds; this writes each string with the C string encoder and
    the structure in one pass, two to three times faster."""
    chunks: list = []
    _write_json(value, "\n", chunks.append, _JSON_ASCII if ensure_ascii else _JSON_STRING, sorted if sort_keys else iter)
    return "".join(chunks)


def _write_json(value, newline: str, write, string, keys) -> None:
    kind = type(value)
    if kind is str:
        write(string(value))
    elif kind is dict or kind is list or kind is tuple:
        if not value:
            write("{}" if kind is dict else "[]")
            return
        inner = newline + "  "
        write("{" if kind is dict else "[")
        separator = inner
        for item in keys(value) if kind is dict else value:
            write(separator)
            if kind is dict:
                if type(item) is not str:
                    raise TypeError("a key that is not a string")
                write(string(item))
                write(": ")
                item = value[item]
            _write_json(item, inner, write, string, keys)
            separator = "," + inner
        write(newline + ("}" if kind is dict else "]"))
    elif value is None or value is True or value is False:
        write("null" if value is None else "true" if value else "false")
    elif kind is int or kind is float:
        write(json.dumps(value) if kind is float else int.__repr__(value))
    else:
        raise TypeError(f"not a JSON value: {kind.__name__}")


_JSON_STRING = json.encoder.encode_basestring  # the C encoder's own, non-ASCII kept as it is
_JSON_ASCII = json.encoder.encode_basestring_ascii  # the same, non-ASCII as \u escapes (json.dumps' default)
