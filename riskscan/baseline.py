"""Baselines: known violations stored as line-free fingerprints, so a gate reports only what is new.

A fingerprint is the check code plus what the violation is about (path, vendor, kind, detail,
enclosing function), never a line number: edits above a known violation do not make it new
(bandit's Issue.__eq__, detect-secrets' fields_to_compare). The header records the riskscan
version, the rules version and the policy settings, so after an upgrade a person can tell a
new rule from new code.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import UsageError
from .escape import dump_json, safe_document

FORMAT = 1


def fingerprint(violation) -> str:
    text = "\0".join((violation.code,) + tuple(str(part) for part in violation.identity))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def baseline_text(violations: list, rules_version: str, settings: dict) -> str:
    """The baseline file: a header and one entry per violation, sorted so that reruns give the same bytes."""
    entries = sorted(
        ({"fingerprint": fingerprint(v), "code": v.code, "path": v.path, "vendor": v.vendor,
          "detail": v.identity[3] if len(v.identity) > 3 else ""} for v in violations),
        key=lambda e: (e["code"], e["path"], e["vendor"], e["detail"], e["fingerprint"]))
    document = {"riskscan_baseline": FORMAT, "riskscan_version": __version__, "rules_version": rules_version,
                "settings": settings, "violations": entries}
    return safe_document(dump_json(document))


@dataclass
class Baseline:
    counts: Counter = field(default_factory=Counter)  # fingerprint -> how many were known
    riskscan_version: str = ""
    rules_version: str = ""
    settings: dict = field(default_factory=dict)

    def staleness(self, rules_version: str, settings: dict) -> str:
        """Why violations may show as new although the code did not change, or ""."""
        changed = [what for what, same in (("riskscan version", self.riskscan_version == __version__),
                                           ("rules version", self.rules_version == rules_version),
                                           ("policy settings", self.settings == settings)) if not same]
        return f"the baseline was written with a different {' and '.join(changed)}; rerun `riskscan baseline` to accept" if changed else ""


def load_baseline(path: Path) -> Baseline:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {path} (create it with `riskscan baseline`)") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, huge numbers
        reason = "nested too deeply" if isinstance(exc, RecursionError) else getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot read baseline {path}: {reason}") from None
    if not isinstance(data, dict) or data.get("riskscan_baseline") != FORMAT or not isinstance(data.get("violations"), list):
        raise UsageError(f"{path} is not a riskscan baseline (format {FORMAT})")
    counts = Counter(str(e.get("fingerprint")) for e in data["violations"] if isinstance(e, dict))
    settings = data.get("settings")
    return Baseline(counts, str(data.get("riskscan_version", "")), str(data.get("rules_version", "")),
                    settings if isinstance(settings, dict) else {})


def split_known(violations: list, baseline: Baseline) -> tuple:
    """(new, known): each baseline entry absorbs one violation with its fingerprint, in file order."""
    remaining = Counter(baseline.counts)
    new, known = [], []
    for violation in violations:
        key = fingerprint(violation)
        if remaining[key] > 0:
            remaining[key] -= 1
            known.append(violation)
        else:
            new.append(violation)
    return new, known
