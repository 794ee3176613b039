"""Secret redaction: applied where findings are made, so no later stage ever holds a full key."""
from __future__ import annotations

import re

_KEEP = 6
# Generic shapes redacted even when no vendor pattern matches (a key of an unknown provider).
_GENERIC = re.compile(r"\b(sk|pk|rk|api|key|token)[-_][A-Za-z0-9_\-]{24,}\b", re.IGNORECASE)


def mask(secret: str) -> str:
    """`sk-proj-abc...` -> `sk-pro…[REDACTED 51 chars]`: enough to recognise, never enough to use."""
    return f"{secret[:_KEEP]}…[REDACTED {len(secret)} chars]"


def redact(text: str, catalogue=None, force: bool = False) -> str:
    """Replace every key-shaped substring of `text`; `force` masks the whole text."""
    if force:
        return mask(text)
    patterns = [p for p, _, _ in catalogue.secrets] if catalogue is not None else []
    for pattern in patterns + [_GENERIC]:
        text = pattern.sub(lambda m: mask(m.group(0)), text)
    return text


def redact_message(text: str) -> str:
    """An error message may quote a value from a config or rule file: redact it like a finding.

    Errors can come before any catalogue is loaded, so this uses the built-in key formats
    (and the generic shapes alone if even those cannot be loaded).
    """
    try:
        from .ruleset import load_catalogue

        catalogue = load_catalogue()
    except Exception:  # a best effort: a broken catalogue must not hide the error being reported
        catalogue = None
    return redact(text, catalogue)
