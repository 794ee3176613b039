"""Strings: API endpoints, hard-coded keys, and the environment's provider variables."""
from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from ..redact import redact
from .syntax import string_parts, string_value

_URL = re.compile(r"^(?:https?|wss?)://([^/\s?#]+)(/[^\s]*)?$", re.IGNORECASE)
_HOST = re.compile(r"^([a-z0-9\-]+(?:\.[a-z0-9\-]+)+|localhost|127\.0\.0\.1)(:\d+)?(/[^\s]*)?$", re.IGNORECASE)


def _unescape(text: str) -> str:
    """An f-string's literal part as Python reads it (`\\x73k-` is `sk-`); unchanged when it cannot be read."""
    if "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return text


class StringsMixin:
    """Endpoints named by URL or host, secrets in literals, and reads of provider variables."""

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """`os.environ["X"]` read or written, `settings["X"]`; `del os.environ["X"]` configures nothing."""
        if id(node) in self.removed or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return
        key = node.slice[0].slice.value
        text = string_value(key)
        if text is None and not isinstance(key, cst.Name):
            return
        value = self.value_of(node.value)
        if value is not None and value.path == "os.environ":
            # `for name in ("GROQ_API_KEY", ...): os.environ[name] = ...` sets each of them
            names = (text,) if text is not None else getattr(self.value_of(key), "choices", ())
            for name in names:
                self.setting(node, name, key)
        elif text is not None:
            self.settings_key(node, text)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) not in self.string_parts:
            self._string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if id(node) not in self.string_parts:
            self._string(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        """`"https://api." "openai.com"` is one string to Python, and to us."""
        if id(node) not in self.string_parts:
            self.string_parts.update(id(part) for part in string_parts(node))
            self._string(node)

    def _string(self, node) -> None:
        text = string_value(node)
        if text is None:
            return
        self._secret(node, text)
        if id(node) in self.docstrings or id(node) in self.skip_strings or self.prose or self.comparing:
            return
        vendor = self.url_vendor(text)
        if vendor:
            self.add(node, vendor, "endpoint", redact(text, self.cat)[:200])  # redacted before the cut can halve a key

    def _secret(self, node, text: str) -> None:
        """A key in a literal. The detail is the key itself until the analysis boundary
        (redact.redact_result) masks it, there and in every other string of the file."""
        if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)) and ("{" in text or "\\" in text):
            text = self._built_text(node)  # f"{PREFIX}Q7x9...": the holes that are known constants
        if self.cat.any_secret is not None and self.cat.any_secret.search(text):
            for pattern, vendor, name in self.cat.secrets:  # most specific pattern first
                match = pattern.search(text)
                if match:
                    self.add(node, vendor, "secret", match.group(0))
                    break

    def _built_text(self, node) -> str:
        """The text of an f-string with each hole that names a known string filled in, or `{}`."""
        if isinstance(node, cst.ConcatenatedString):
            return self._built_text(node.left) + self._built_text(node.right)
        if not isinstance(node, cst.FormattedString):
            return string_value(node) or ""
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(_unescape(part.value) if "r" not in node.prefix.lower() else part.value)
                continue
            value = self.value_of(part.expression) if part.conversion is None and part.format_spec is None else None
            out.append(value.text if value is not None and isinstance(value.text, str) else "{}")
        return "".join(out)

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
                    self.setting(node, string_value(node.left), node.left)
