"""Renderers: one Report, several formats. Each module owns one format."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this package: a run the memo answers never loads the model
    from ..model import Finding

SCHEMA_VERSION = "1.0"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """"1 entry point", "3 entry points": counts read as English in every format."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


def vendor_name(vendor_id: str, vendors: dict) -> str:
    rule = vendors.get(vendor_id)
    return rule.name if rule is not None else vendor_id


def finding_message(finding: Finding, vendors: dict) -> str:
    """One plain sentence per finding; the same words in every format."""
    name = vendor_name(finding.vendor, vendors)
    detail = finding.detail
    if finding.check:
        from ..model import DERIVED_KINDS

        if finding.kind in DERIVED_KINDS:
            from ..dependencies import describe

            return describe(finding, name)
    kind = finding.kind
    if kind == "import":
        text = _import_message(finding, name)
    elif kind == "call" and finding.service:
        text = f"calls {name} through {detail} ({finding.service.replace('_', ' ')}, not model inference)"
    elif kind == "call":
        text = f"calls {name} through {detail}" + (f" ({finding.feature})" if finding.feature else "")
    elif kind == "type":
        text = f"builds {detail}, a type of {name}'s API"
    elif kind == "adapter":
        text = (f"uses the {finding.framework} adapter {detail} for {name}" if finding.framework
                else f"uses {detail}, an integration that reaches {name}")
    elif kind == "model_string" and finding.model_setting and finding.feature != "config":
        text = (f"the model read from {finding.model_setting} is routed to {name}, the provider the repository configures for it"
                if detail == finding.model_setting else
                f"model {detail!r}, read from {finding.model_setting}, is routed to {name} unless configured otherwise")
    elif kind == "model_string":
        text = f"configures model {detail!r} ({name})" if finding.feature == "config" else f"model {detail!r} is routed to {name}"
    elif kind == "endpoint":
        text = f"names the {name} API endpoint {detail}"
    elif kind == "env_var":
        text = f"reads or sets the {name} setting {detail}"
    elif kind == "secret":
        text = f"hard-coded {name} key {detail}"
    else:
        text = detail
    if finding.has_fallback:
        text += f"; falls back to {', '.join(vendor_name(v, vendors) for v in finding.fallback_to)}"
    return text


def _import_message(finding: Finding, name: str) -> str:
    """An SDK, a framework's adapter for a provider, or the project's own module for it."""
    if finding.framework == "first-party":
        text = f"imports {finding.detail}, the project's own {name} adapter"
    elif finding.framework:
        text = f"imports the {finding.framework} adapter {finding.detail} ({name})"
    else:
        text = f"imports {finding.detail} ({name})"
    return text + (" for type checking only" if finding.type_only else "")


# format -> (module, function); imported on use so a text scan never loads jinja2.
_RENDERERS = {
    "text": ("text", "render_text"),
    "json": ("json_report", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "markdown": ("markdown", "render_markdown"),
    "html": ("html", "render_html"),
    "cyclonedx": ("cyclonedx", "render_cyclonedx"),
}
FORMATS = tuple(_RENDERERS)
# Formats that can show "changes since a previous report" (--baseline).
COMPARING = frozenset({"markdown", "html"})


def render(report, fmt: str, baseline: dict | None = None) -> str:
    """`baseline` is a previous JSON report (a dict); only the formats in COMPARING read it."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown format {fmt!r}")
    from importlib import import_module

    from ..escape import safe_document

    module, function = _RENDERERS[fmt]
    renderer = getattr(import_module(f"{__name__}.{module}"), function)
    # Each renderer escapes for its own syntax; this catches what one lets through (see escape.py).
    return safe_document(renderer(report, baseline=baseline) if fmt in COMPARING else renderer(report), colours=fmt == "text")
