"""SARIF 2.1.0 for code scanning: rules with help, levels from severity, relative URIs, skip notifications."""
from __future__ import annotations

import hashlib
from collections import Counter
from urllib.parse import quote

from .. import __version__
from ..escape import dump_json
from ..redact import redact_document
from ..diff import identity
from .json_report import report_dict
from . import skips
from .markdown import md

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
SRCROOT = "%SRCROOT%"
FINGERPRINT = "riskscan/v1"
SKIPPED_ID = "skipped-file"

# kind -> (short description, what it finds, why it matters, what to do, default level); {v} is the vendor.
KIND_HELP = {
    "import": ("Imports {v}", "The code imports {v}'s SDK or one of its integrations.",
               "Every import is a place that changes when the supplier changes.",
               "Keep supplier SDKs behind one gateway module, so a switch touches one file.", "note"),
    "call": ("Calls {v}", "The code calls {v} while it runs.",
             "If {v} is unavailable or retires the model, this call fails; without a fallback, "
             "every function that reaches it stops.",
             "Give the call a plan B with another supplier: an except branch that calls a second provider, "
             "LiteLLM fallbacks=, LangChain .with_fallbacks() or pydantic-ai FallbackModel.", "warning"),
    "adapter": ("Uses a framework integration for {v}", "A framework class that reaches {v}.",
                "The framework makes switching easier, but this integration still stops when {v} is down.",
                "Wrap it with the framework's fallback mechanism and a second supplier.", "warning"),
    "model_string": ("Names a {v} model", "A {v} model name in code or configuration.",
                     "Suppliers retire model names on short notice; a hard-coded name fails on that date.",
                     "Read model names from configuration and list a fallback model from another supplier.", "warning"),
    "endpoint": ("Names the {v} endpoint", "A {v} API address in the code.",
                 "A hard-coded endpoint ties the client to one operator.",
                 "Read the base URL from configuration.", "warning"),
    "env_var": ("Uses a {v} setting", "The code reads or sets a {v} credential or endpoint setting (environment, settings object or field).",
                "It shows the deployment is configured for {v}.",
                "Nothing to fix; keep the credential in a secret manager.", "note"),
    "type": ("Builds a {v} API type", "The code builds a request, response, config or enum object of {v}'s SDK.",
             "It sends nothing, but ties the code to the shape of {v}'s API: a switch rewrites it.",
             "Keep SDK types inside the module that talks to the supplier.", "note"),
    "secret": ("Hard-coded {v} key", "A {v} API key written into the source code (shown redacted).",
               "Anyone who can read the code can use, and bill, this key.",
               "Revoke the key now, and load keys from a secret manager or the environment.", "error"),
    "legacy_api": ("Uses a removed {v} SDK interface", "The code calls an interface that the {v} SDK has removed or deprecated.",
                   "It breaks as soon as the SDK is upgraded past the release that removed it.",
                   "Move the call to the SDK's current interface.", "warning"),
    "lifecycle": ("Uses a {v} model with a retirement date",
                  "The code names a {v} model that its supplier has switched off or scheduled to switch off.",
                  "From that date every call with this model fails.",
                  "Move to a supported model before the date, and read model names from configuration.", "warning"),
    "manifest": ("Declares a {v} dependency", "A dependency manifest names a {v} SDK.",
                 "Declared SDKs are part of the AI supply chain.", "Pin a tested version range.", "note"),
}


def render_sarif(report) -> str:
    data = report_dict(report)
    rules = _rules(data, report.vendors)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run = {
        "tool": {"driver": {
            "name": "riskscan", "version": __version__, "semanticVersion": __version__, "rules": rules,
            "notifications": [{"id": SKIPPED_ID, "shortDescription": {"text": "A file could not be analysed."}}],
        }},
        "invocations": [{"executionSuccessful": True,
                         "toolConfigurationNotifications": [_skipped(s) for s in data["skipped"]]
                         + [_skipped(s, "warning", "was left out of the scan of its notebook") for s in data["partly_skipped"]]}],
        "originalUriBaseIds": {SRCROOT: {"description": {"text": f"The scanned folder ({data['root']})."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, print_) for f, print_ in zip(data["findings"], _fingerprints(data["findings"]))],
        "properties": {"scores": data["scores"], "rulesVersion": data["tool"]["rules_version"], **_exposure_level(data)},
    }
    sarif = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return dump_json(sarif)


def _exposure_level(data: dict) -> dict:
    """How far the scores could be traced: entry points, or module level when reach was not
    traced (or the project is a library), so a viewer never reads a module figure as a function figure."""
    scores = data["scores"] or {}
    if not scores:
        return {}
    level = "entry_point" if scores.get("reach_unit") == "entry_points" else "module"
    return {"reach": scores.get("reach"), "exposureLevel": level, "projectKind": data["summary"].get("project_kind"),
            "lowConfidence": scores.get("low_confidence"), "lowConfidenceReasons": scores.get("low_confidence_reasons")}


def _rules(data: dict, vendors: dict) -> list:
    """One rule per `vendor.kind` found, in id order, each with help text a reviewer can act on."""
    seen = sorted({(f["rule_id"], f["vendor"], f["kind"]) for f in data["findings"]})
    return [_rule(rule_id, vendor, kind, vendors.get(vendor)) for rule_id, vendor, kind in seen]


def _rule(rule_id: str, vendor: str, kind: str, catalogue_rule) -> dict:
    name = catalogue_rule.name if catalogue_rule is not None else vendor
    help_parts = KIND_HELP.get(kind, KIND_HELP["import"])
    short, what, why, fix, level = (part.format(v=name) for part in help_parts)
    # a rule file may come from the scanned repository: what it says is escaped in the markdown
    what_md, why_md, fix_md = (part.format(v=md(name)) for part in help_parts[1:4])
    references = list(getattr(catalogue_rule, "references", ()) or ())
    refs_md = "".join(f"\n- <{_autolink(url)}>" for url in references)
    rule = {
        "id": rule_id, "name": f"{vendor}-{kind}".replace("_", "-"),
        "shortDescription": {"text": short}, "fullDescription": {"text": f"{what} {why}"},
        "help": {"text": f"{what}\nWhy it matters: {why}\nWhat to do: {fix}",
                 "markdown": f"**What it finds.** {what_md}\n\n**Why it matters.** {why_md}\n\n**What to do.** {fix_md}"
                             + (f"\n\n**{md(name)} documentation:**{refs_md}" if refs_md else "")},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["ai-vendor", vendor, kind] + (["security"] if kind == "secret" else []),
                       "precision": "high"},
    }
    if kind == "secret":
        rule["properties"]["security-severity"] = "8.0"
    return rule


def _autolink(url: str) -> str:
    """A URL that stays one Markdown autolink: what could end it or start markup is percent-encoded."""
    return quote(url, safe="/:?#@!$&'()*+,;=%-._~", errors="surrogateescape")


def _location(path: str, line=None, column=None, snippet: str = "") -> dict:
    region = {}
    if line:
        region["startLine"] = line
        if column is not None:
            region["startColumn"] = column + 1
        if snippet:
            region["snippet"] = {"text": snippet}
    # redacted before quoting: percent-encoding a key's `+` or `=` would hide it from the last pass
    physical = {"artifactLocation": {"uri": quote(redact_document(path), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprints(findings: list) -> list:
    """`riskscan diff`'s line-free identity, hashed, plus its occurrence number (two identical calls stay two)."""
    seen = Counter()
    prints = []
    for finding in findings:
        key = hashlib.sha256("\x1f".join(map(str, identity(finding))).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        seen[key] += 1
        prints.append(f"{key}:{seen[key]}")
    return prints


def _result(finding: dict, index: dict, print_: str) -> dict:
    """A notebook's lines count within a cell, so its result names the cell and points at no line of the file."""
    if finding.get("cell"):
        location = _location(finding["path"])
    else:
        location = _location(finding["path"], finding["line"], finding["column"], finding["snippet"])
    if finding.get("function"):
        location["logicalLocations"] = [{"fullyQualifiedName": finding["function"], "kind": "function"}]
    cell = f" (notebook cell {finding['cell']}, line {finding['line']})" if finding.get("cell") else ""
    scope = "" if finding["scope"] == "prod" else f" [{finding['scope']} code]"
    properties = {k: finding[k] for k in ("vendor", "kind", "scope", "severity", "feature", "has_fallback", "fallback_to",
                                          "fallback_kind", "switchable_to")}
    if finding.get("cell"):
        properties["cell"] = finding["cell"]
    return {
        "ruleId": finding["rule_id"], "ruleIndex": index[finding["rule_id"]], "level": LEVELS[finding["severity"]],
        "message": {"text": finding["message"] + cell + scope}, "locations": [location],
        "partialFingerprints": {FINGERPRINT: print_}, "properties": properties,
    }


def _skipped(item: dict, level: str = "warning", what: str = "was not analysed") -> dict:
    """A skipped file, or a notebook cell left out: a cell's line counts within the cell, so it names the
    cell (skips.where) and points at no line of the file, as a notebook finding does."""
    line = None if item.get("cell") is not None else item.get("line")
    return {"descriptor": {"id": SKIPPED_ID}, "level": level,
            "message": {"text": f"{skips.where(item)} {what}: {item['reason']}"},
            "locations": [_location(item["path"], line)]}
