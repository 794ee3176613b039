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
