"""The policy-check catalogue: every stable code (RS1xx/RS2xx/RS3xx), its message template and its documentation.

The documentation is data here and rendered into docs/policy-codes.md (`riskscan codes --format
markdown`), so the page, the command and the messages cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One policy check; `template` is filled with the violation's arguments."""

    code: str
    slug: str
    title: str
    enabled_by: str  # the [tool.riskscan.policy] key that turns it on
    template: str
    what: str
    why: str
    example: str
    fix: str
    repo_wide: bool = False  # about the whole repository (scores), not one line


CHECKS = (
    Check(
        "RS101", "direct-sdk-outside-gateway", "Vendor SDK used outside the gateway modules", "gateway_modules",
        "{use} outside the gateway modules ({gateways})",
        "A production module imports or calls an AI vendor's SDK, a framework adapter, a router model "
        "string or an API endpoint directly, although the policy names gateway modules that own all vendor access.",
        "A gateway is where fallbacks, timeouts, logging, cost limits and the switch to another supplier live. "
        "Every direct call outside it is one more place to change when a vendor fails, raises prices or retires a "
        "model, and one more call without a plan B.",
        "# app/reports.py (gateway_modules = [\"app/llm/**\"])\nimport openai\n\n"
        "def summary(text):\n    return openai.OpenAI().chat.completions.create(model=\"gpt-4o\", messages=[...])",
        "Call the gateway instead (`from app.llm.gateway import complete`), or, if this module is a gateway, add "
        "it to `gateway_modules`. Type-only imports (under `if TYPE_CHECKING:`) are not violations.",
    ),
    Check(
        "RS102", "provider-not-allowed", "Provider outside the allowed list", "allowed_providers",
        "{use}: {vendor_name} is not an allowed provider ({allowed})",
        "The code uses a provider that is not in the policy's `allowed_providers` list.",
        "The allowed list is the set of suppliers with a contract, a data-processing agreement and an exit plan "
        "(DORA Art. 28, ISO/IEC 42001 A.10). Code that reaches any other supplier sends data where nobody agreed "
        "to send it.",
        "# allowed_providers = [\"openai\", \"anthropic\"]\nfrom groq import Groq\nGroq().chat.completions.create(...)",
        "Use an allowed provider, or get the new one approved and add its id (`riskscan rules` lists them) to "
        "`allowed_providers`.",
    ),
    Check(
        "RS103", "provider-denied", "Denied provider", "denied_providers",
        "{use}: {vendor_name} is a denied provider",
        "The code uses a provider that the policy's `denied_providers` list forbids.",
        "A provider is usually denied for a reason that does not show in code: data residency, sanctions, a "
        "terminated contract, a failed security review. Any use is a compliance incident.",
        "# denied_providers = [\"deepseek\"]\nclient = OpenAI(base_url=\"https://api.deepseek.com\")",
        "Remove the use or move it to another provider. The endpoint decides the provider: an OpenAI client "
        "pointed at a denied host is that host's provider.",
    ),
    Check(
        "RS201", "call-without-fallback", "Production AI call without a fallback", "require_fallback",
        "{use}, with no fallback to another provider",
        "A production call site (an SDK call, a framework adapter or a routed model string) is not protected by a "
        "recognised fallback to another provider.",
        "When the provider is down, rate-limits you or retires the model, this code path stops. A fallback to an "
        "unrelated supplier is the cheapest plan B there is (NIST AI RMF GOVERN 6.2, DORA Art. 28(8)).",
        "def answer(q):\n    return client.messages.create(model=\"claude-sonnet-4-5\", messages=[...])",
        "Wrap the call with a fallback riskscan recognises: `try/except` whose handler calls another provider, "
        "LiteLLM `fallbacks=[...]`, LangChain `.with_fallbacks([...])`, pydantic-ai `FallbackModel`, Haystack "
        "`FallbackChatGenerator`. Retrying the same provider is not a fallback.",
    ),
    Check(
        "RS202", "concentration-above-limit", "Supplier concentration above the limit", "max_hhi",
        "concentration HHI {hhi:,.0f} is above the policy maximum {limit:,.0f} ({vendor_name} holds {share:.0%} of entry-point reach)",
        "The Herfindahl-Hirschman index of the providers' shares of entry-point reach is above `max_hhi`.",
        "Above 1,800 one supplier dominates: most of what the product does with AI rests on it (DORA Art. 29 "
        "concentration risk). The limit keeps new features from quietly deepening the dependence.",
        "# max_hhi = 5000; every route reaches OpenAI only -> HHI 10,000",
        "Serve some entry points from another provider, or add cross-vendor fallbacks to the dominant one's "
        "sites; or raise `max_hhi` deliberately.",
        repo_wide=True,
    ),
    Check(
        "RS203", "blast-radius-above-limit", "Blast radius of a provider above the limit", "max_blast_radius",
        "if {vendor_name} is unavailable, {radius:.0%} of entry points stop (policy maximum {limit:.0%})",
        "The share of entry points (weighted by criticality) that reach a site of one provider without a "
        "fallback is above `max_blast_radius`.",
        "This is the share of user-facing functions that go dark when that one supplier does. Keeping it under "
        "a limit is a tested exit plan in miniature.",
        "# max_blast_radius = 0.25; 3 of 4 routes call Anthropic without a fallback -> 75%",
        "Add fallbacks to the unprotected sites listed as evidence (`riskscan scan` shows which entry points "
        "reach them), give critical entry points their own `criticality`, or raise the limit.",
        repo_wide=True,
    ),
    Check(
        "RS301", "hard-coded-secret", "Hard-coded provider key", "no_secrets",
        "hard-coded {vendor_name} key {detail}",
        "A string literal has the format of a provider's API key. It is checked in every scope, tests included.",
        "A key in source code ends up in every clone, fork, CI log and backup. Anyone holding it can spend your "
        "budget and read what the account can read. riskscan redacts it in every output.",
        "client = Anthropic(api_key=\"sk-ant-api03-...\")",
        "Revoke the key at the provider, then read it from the environment or a secret manager "
        "(`Anthropic()` reads `ANTHROPIC_API_KEY`).",
    ),
    Check(
        "RS302", "retired-model", "Retired model", "no_retired_models",
        "model {model!r} ({vendor_name}) {fate}",
        "A model string, or the `model=` of a vendor call, names a model that its operator has retired by the "
        "scan's as-of date, according to the lifecycle catalogue in `rules/lifecycle/` (the `lifecycle` "
        "findings of the scan; where they are absent the check finds nothing). Only dates the operator's own "
        "documentation gives count: a date the catalogue marks unconfirmed never makes a violation. The message "
        "says how sure the date is, as every report does: an exact date \"was switched off on\" it; an earliest date "
        "that has passed \"may already be switched off\".",
        "Requests to a retired model fail: the feature is already broken, or breaks on the retirement date.",
        "litellm.completion(model=\"anthropic/claude-2.1\", messages=[...])",
        "Move to the successor the operator names, test the prompts against it, and keep the model id in one "
        "setting so the next move is a one-line change.",
    ),
)

BY_CODE = {check.code: check for check in CHECKS}


def render_markdown() -> str:
    """The documentation page of every code, in code order."""
    out = ["# riskscan policy codes", "",
           "Generated from `riskscan/checks.py` by `riskscan codes --format markdown`; do not edit by hand.", "",
           "| code | name | turned on by `[tool.riskscan.policy]` |", "| --- | --- | --- |"]
    out += [f"| [{c.code}](#{c.code.lower()}-{c.slug}) | {c.title} | `{c.enabled_by}` |" for c in CHECKS]
    for check in CHECKS:
        out += ["", f"## {check.code} {check.slug}", "", f"**{check.title}.** {check.what}", "",
                f"**Why it matters.** {check.why}", "", "**Example.**", "", "```python", check.example, "```", "",
                f"**Fix.** {check.fix}"]
    return "\n".join(out) + "\n"


def render_text() -> str:
    """`riskscan codes`: one line per code."""
    return "\n".join(f"{c.code}  {c.slug:<28} {c.title} (policy: {c.enabled_by})" for c in CHECKS) + "\n"
