"""Renderers: one Report, several formats. Each module owns one format."""
from __future__ import annotations

from ..model import Finding

SCHEMA_VERSION = "1.0"


def vendor_name(vendor_id: str, vendors: dict) -> str:
    rule = vendors.get(vendor_id)
    return rule.name if rule is not None else vendor_id


def finding_message(finding: Finding, vendors: dict) -> str:
    """One plain sentence per finding; the same words in every format."""
    name = vendor_name(finding.vendor, vendors)
    detail = finding.detail
    text = {
        "import": f"imports {detail} ({name})" + (" for type checking only" if finding.type_only else ""),
        "call": f"calls {name} through {detail}" + (f" ({finding.feature})" if finding.feature else ""),
        "adapter": f"uses the {finding.framework or 'framework'} adapter {detail} for {name}"
        if finding.framework else f"uses {detail}, an integration that reaches {name}",
        "model_string": (f"configures model {detail!r} ({name})" if finding.feature == "config"
                         else f"model {detail!r} is routed to {name}"),
        "endpoint": f"names the {name} API endpoint {detail}",
        "env_var": f"reads the {name} setting {detail}",
        "secret": f"hard-coded {name} key {detail}",
        "manifest": f"{detail}",
    }.get(finding.kind, detail)
    if finding.has_fallback:
        text += f"; falls back to {', '.join(vendor_name(v, vendors) for v in finding.fallback_to)}"
    return text


def render(report, fmt: str) -> str:
    if fmt == "json":
        from .json_report import render_json

        return render_json(report)
    if fmt == "text":
        from .text import render_text

        return render_text(report)
    raise ValueError(f"unknown format {fmt!r}")


FORMATS = ("text", "json")
