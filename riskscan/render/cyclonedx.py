"""CycloneDX 1.6 JSON AI-BOM: providers as services, SDKs and integrations as components, models, evidence.

Deterministic like the JSON report: no timestamp, and a serial number derived from the content,
so two scans of the same tree give the same file.
"""
from __future__ import annotations

import re
import uuid

from .. import __version__
from ..escape import dump_json
from ..places import place
from .json_report import report_dict

APP = "application"
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_COMPONENT_KINDS = ("import", "adapter", "call")
_TRUSTED_KINDS = ("hosted_api", "cloud_platform", "gateway")  # reached over the network, with a credential


def render_cyclonedx(report) -> str:
    data = report_dict(report)
    libraries = _libraries(data, report.vendors)
    models = _models(data, report.vendors)
    services = [_service(v, data, report.vendors.get(v["id"])) for v in data["vendors"]]
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": _metadata(data),
        "components": [c for c, _ in libraries] + [m for m, _ in models],
        "services": services,
        "dependencies": _dependencies(libraries + models, services),
    }
    bom["serialNumber"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'riskscan:' + dump_json(bom).rstrip())}"
    return dump_json(bom)


def _metadata(data: dict) -> dict:
    scores = data["scores"] or {}
    props = [("grade", scores.get("grade")), ("risk", scores.get("risk")),
             ("concentration_hhi", scores.get("concentration_hhi")), ("blast_radius_max", scores.get("blast_radius_max")),
             ("fallback_coverage", scores.get("fallback_coverage")), ("lock_in", scores.get("lock_in")),
             ("rules_version", data["tool"]["rules_version"]), ("files_skipped", data["summary"]["files_skipped"]),
             ("cells_skipped", data["summary"]["cells_skipped"])]
    return {
        "tools": {"components": [{"type": "application", "name": "riskscan", "version": __version__}]},
        "component": {"type": "application", "bom-ref": APP, "name": data["root"]},
        "properties": _properties(props),
    }


def _properties(pairs) -> list:
    return [{"name": f"riskscan:{name}", "value": str(value)} for name, value in pairs if value is not None]


def _occurrence(finding: dict) -> dict:
    occurrence = {"location": finding["path"], "line": finding["line"], "offset": finding["column"] + 1,
                  "additionalContext": finding["message"]}
    if finding.get("function"):
        occurrence["symbol"] = finding["function"]
    return occurrence


def _evidence(findings: list, confidence: float) -> dict:
    return {
        "identity": [{"field": "name", "confidence": confidence,
                      "methods": [{"technique": "source-code-analysis", "confidence": confidence}]}],
        "occurrences": [_occurrence(f) for f in findings],
    }


def _libraries(data: dict, vendors: dict) -> list:
    """(component, service refs) per SDK or integration module the code imports or calls.

    One component per module even when it reaches several providers (the openai SDK pointed at
    Ollama is still the openai package); its dependencies name every provider it reaches. The
    project's own provider modules are the application itself, not components.
    """
    groups = {}
    for finding in data["findings"]:
        if finding["kind"] in _COMPONENT_KINDS and finding["detail"] and finding.get("framework") != "first-party":
            groups.setdefault(_component_name(finding, vendors), []).append(finding)
    out = []
    for (module, dist), findings in sorted(groups.items()):
        adapter = any(_integration(f) for f in findings)
        component = {"type": "framework" if adapter else "library", "bom-ref": f"lib:{module}", "name": module}
        if dist:
            component["purl"] = f"pkg:pypi/{dist}"
        reached = sorted({f["vendor"] for f in findings})
        component["properties"] = _properties([("vendor", v) for v in reached] + [("scope", _scopes(findings))])
        component["evidence"] = _evidence(findings, 1.0 if dist else 0.8)
        out.append((component, [f"service:{v}" for v in reached]))
    return out


def _component_name(finding: dict, vendors: dict) -> tuple:
    """(module, PyPI distribution or None): the longest imported module a catalogue SDK names.

    `openai.OpenAI().chat.completions.create` -> ("openai", "openai"); `google.genai.Client` ->
    ("google.genai", "google-genai"); an integration module keeps its whole path.
    """
    parts = []
    for part in finding["detail"].split("(")[0].split("."):
        if not part or part[:1].isupper():
            break
        parts.append(part)
    parts = parts or [finding["detail"].split(".")[0]]
    for size in range(len(parts), 0, -1):
        dist = _distribution(".".join(parts[:size]), vendors)
        if dist:
            return ".".join(parts[:size]), dist
    return (".".join(parts) if _integration(finding) else parts[0]), None


def _integration(finding: dict) -> bool:
    """A framework's adapter for a provider: built (`adapter`) or imported (an `import` with its framework)."""
    return finding["kind"] == "adapter" or finding["kind"] == "import" and bool(finding.get("framework"))


def _distribution(module: str, vendors: dict):
    for rule in vendors.values():
        for dist in getattr(rule, "distributions", ()) or ():
            if re.sub(r"[-_.]", ".", dist.lower()) == module.lower().replace("_", "."):
                return dist
    return None


def _scopes(findings: list) -> str:
    return ",".join(sorted({f["scope"] for f in findings}))


def _models(data: dict, vendors: dict) -> list:
    """(component, [service ref]) per model name the code routes or configures."""
    groups = {}
    for finding in data["findings"]:
        if finding["kind"] == "model_string" and finding["detail"]:
            groups.setdefault((finding["detail"], finding["vendor"]), []).append(finding)
    out = []
    for (model, vendor), findings in sorted(groups.items()):
        rule = vendors.get(vendor)
        component = {"type": "machine-learning-model", "bom-ref": f"model:{vendor}:{model}", "name": model}
        if rule is not None:
            component["supplier"] = {"name": rule.company or rule.name}
        component["properties"] = _properties([("vendor", vendor), ("scope", _scopes(findings))])
        component["evidence"] = _evidence(findings, 0.9)
        out.append((component, [f"service:{vendor}"]))
    return out


def _service(vendor: dict, data: dict, rule) -> dict:
    own = [f for f in data["findings"] if f["vendor"] == vendor["id"] and f["kind"] != "secret"]
    endpoints = sorted({f["detail"] for f in own if f["kind"] == "endpoint" and _URL.match(f["detail"])}
                       | ({rule.openai_compatible_base_url} if rule is not None and _URL.match(rule.openai_compatible_base_url or "") else set()))
    service = {"bom-ref": f"service:{vendor['id']}", "provider": {"name": vendor["company"] or vendor["name"]},
               "name": vendor["name"], "description": f"AI inference provider ({vendor['kind'].replace('_', ' ')})"}
    if endpoints:
        service["endpoints"] = endpoints
    if vendor["kind"] in _TRUSTED_KINDS:
        service["authenticated"] = True
        service["x-trust-boundary"] = True
    refs = [{"type": "documentation", "url": url} for url in getattr(rule, "references", ()) or () if _URL.match(url)]
    if refs:
        service["externalReferences"] = refs
    keys = ("share", "exposure", "blast_radius", "fallback_coverage", "lock_in", "substitutability", "call_sites",
            "call_sites_without_plan_b")
    evidence = [("evidence", place(f["path"], f["line"], f.get("cell"))) for f in own if f["scope"] == "prod"][:50]
    service["properties"] = _properties([("id", vendor["id"])] + [(k, vendor.get(k)) for k in keys] + evidence)
    service["tags"] = ["ai-provider", vendor["kind"]]
    return service


def _dependencies(parts: list, services: list) -> list:
    """The application uses each SDK and model; each of them reaches its provider's service."""
    refs = [component["bom-ref"] for component, _ in parts]
    service_refs = {s["bom-ref"] for s in services}
    deps = [{"ref": APP, "dependsOn": refs + sorted(service_refs)}]
    deps += [{"ref": c["bom-ref"], "dependsOn": [s for s in refs_of if s in service_refs]} for c, refs_of in parts]
    return deps + [{"ref": ref, "dependsOn": []} for ref in sorted(service_refs)]
