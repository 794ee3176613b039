"""`riskscan check` output: one `path:line:col: CODE [slug] message` line per violation and a summary line."""
from __future__ import annotations

from collections import Counter

from .. import __version__
from ..escape import dump_json, printable, safe_document
from ..baseline import fingerprint
from .text import location


def summary(result) -> dict:
    suppressed = result.suppressed
    return {
        "violations": len(result.violations),
        "by_code": dict(sorted(Counter(v.code for v in result.violations).items())),
        "suppressed": sum(suppressed.values()), "suppressed_bare": suppressed.get("bare", 0),
        "baselined": result.known,
        "files_checked": len(result.files) if result.files is not None else result.report.files_scanned,
        "files_scanned": result.report.files_scanned,
        "files_skipped": len(result.report.skipped),
    }


def render_check_json(result) -> str:
    rows = [{"code": v.code, "slug": v.slug, "message": v.message, "path": v.path, "line": v.line,
             "column": v.column, "cell": v.cell, "vendor": v.vendor, "fingerprint": fingerprint(v),
             "evidence": [f"{p}:{l}" for p, l in v.evidence]} for v in result.violations]
    document = {"tool": {"name": "riskscan", "version": __version__, "rules_version": result.report.rules_version},
                "summary": summary(result), "policy": result.policy.settings(), "violations": rows}
    if result.note:
        document["note"] = result.note
    return safe_document(dump_json(document))


def render_check_text(result) -> str:
    lines = [f"{location(v) if v.path else '(repository)'}: {v.code} [{v.slug}] {printable(v.message)}" for v in result.violations]
    data = summary(result)
    counts = ", ".join(f"{code} x{n}" for code, n in data["by_code"].items())
    head = f"{data['violations']} violation(s) ({counts})" if data["violations"] else "no violations"
    parts = [head, f"{data['files_checked']} file(s) checked"]
    if data["suppressed"]:
        parts.append(f"{data['suppressed']} suppressed inline ({data['suppressed_bare']} bare)")
    if data["baselined"]:
        parts.append(f"{data['baselined']} known in the baseline")
    if data["files_skipped"]:
        parts.append(f"{data['files_skipped']} file(s) could not be analysed")
    lines.append("riskscan check: " + "; ".join(parts))
    return safe_document("\n".join(lines) + "\n")


def render_check_sarif(result) -> str:
    """SARIF 2.1.0 of the gate: one rule per RS code, one result per violation (a repository-wide
    limit has no line of its own and points at its first evidence)."""
    from ..checks import BY_CODE
    from .sarif import SCHEMA_URI, SRCROOT, _location

    codes = sorted({v.code for v in result.violations})
    rules = [{"id": code, "name": BY_CODE[code].slug, "shortDescription": {"text": BY_CODE[code].title},
              "fullDescription": {"text": BY_CODE[code].what},
              "help": {"text": f"{BY_CODE[code].why}\nWhat to do: {BY_CODE[code].fix}"},
              "defaultConfiguration": {"level": "error"}} for code in codes]
    results = [{"ruleId": v.code, "ruleIndex": codes.index(v.code), "level": "error", "message": {"text": v.message},
                "locations": [_location(v.path, v.line or None, v.column, "" if v.cell else v.snippet)] if v.path else [],
                "partialFingerprints": {"riskscan/check/v1": fingerprint(v)}, "properties": {"vendor": v.vendor}}
               for v in result.violations]
    run = {"tool": {"driver": {"name": "riskscan", "version": __version__, "semanticVersion": __version__,
                               "rules": rules}},
           "originalUriBaseIds": {SRCROOT: {"description": {"text": "The checked repository."}}},
           "columnKind": "unicodeCodePoints", "results": results, "properties": {"summary": summary(result)}}
    return safe_document(dump_json({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}))
