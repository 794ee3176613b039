"""Engine behaviour on small snippets: resolution, attribution, fallbacks, scopes and bad input."""
from __future__ import annotations

import json
import textwrap

from riskscan.api import ScanOptions, scan


def run(tmp_path, files: dict, **options):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return scan(tmp_path, ScanOptions(jobs=1, **options))


CORE_KINDS = ("import", "call", "adapter", "model_string", "endpoint", "env_var", "secret")


def facts(report, path=None):
    """(line, vendor, kind) of the evidence findings (model lifecycle findings are tested on their own)."""
    return {(f.line, f.vendor, f.kind) for f in report.findings if (path is None or f.path == path) and f.kind in CORE_KINDS}


def test_alias_and_assignment_chain_resolves_to_the_call(tmp_path):
    report = run(tmp_path, {"app.py": """
        import openai as oa
        c = oa.OpenAI()
        chat = c.chat
        chat.completions.create(model="gpt-4o")
    """})
    calls = [f for f in report.findings if f.kind == "call"]
    assert [(f.line, f.feature) for f in calls] == [(3, "client"), (5, "chat")]


def test_base_url_decides_the_provider_and_the_import_follows(tmp_path):
    report = run(tmp_path, {"app.py": """
        from openai import OpenAI
        client = OpenAI(base_url="https://api.deepseek.com", api_key="x")
        client.chat.completions.create(model="deepseek-chat", messages=[])
    """})
    assert facts(report) == {(2, "deepseek", "import"), (3, "deepseek", "call"), (3, "deepseek", "endpoint"), (4, "deepseek", "call")}


def test_azure_client_is_azure_openai_only(tmp_path):
    report = run(tmp_path, {"app.py": """
        from openai import AzureOpenAI
        client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com")
        client.chat.completions.create(model="gpt-4o", messages=[])
    """})
    assert {f.vendor for f in report.findings} == {"azure_openai"}


def test_boto3_counts_only_for_bedrock_clients(tmp_path):
    report = run(tmp_path, {"bedrock.py": """
        import boto3
        runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
        runtime.converse(modelId="anthropic.claude-3-5-sonnet-20240620-v1:0", messages=[])
    """, "storage.py": """
        import boto3
        s3 = boto3.client("s3")
        s3.put_object(Bucket="b", Key="k", Body=b"")
    """})
    assert facts(report, "storage.py") == set()
    assert facts(report, "bedrock.py") == {(2, "aws_bedrock", "import"), (3, "aws_bedrock", "call"), (4, "aws_bedrock", "call")}


def test_type_checking_import_is_type_only(tmp_path):
    report = run(tmp_path, {"types_only.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from anthropic import Anthropic
        def f(client: "Anthropic") -> None:
            pass
    """})
    (finding,) = report.findings
    assert finding.vendor == "anthropic" and finding.type_only and finding.severity == "info"


def test_try_except_handing_off_to_another_vendor_is_a_fallback(tmp_path):
    report = run(tmp_path, {"gateway.py": """
        import anthropic
        import openai

        def ask(prompt):
            try:
                return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[])
            except openai.APIError:
                return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", messages=[], max_tokens=10)
    """})
    primary = [f for f in report.findings if f.vendor == "openai" and f.kind == "call"]
    assert primary and all(f.has_fallback and f.fallback_to == ("anthropic",) for f in primary)
    backup = [f for f in report.findings if f.vendor == "anthropic" and f.kind == "call"]
    assert backup and not any(f.has_fallback for f in backup)


def test_retry_on_the_same_vendor_is_not_a_fallback(tmp_path):
    report = run(tmp_path, {"retry.py": """
        import openai
        client = openai.OpenAI()
        def ask():
            try:
                return client.chat.completions.create(model="gpt-4o", messages=[])
            except openai.RateLimitError:
                return client.chat.completions.create(model="gpt-4o-mini", messages=[])
    """})
    assert not any(f.has_fallback for f in report.findings)


def test_handler_calling_a_local_function_that_reaches_another_vendor(tmp_path):
    report = run(tmp_path, {"svc.py": """
        import openai, anthropic
        def backup(prompt):
            return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", messages=[], max_tokens=5)
        def ask(prompt):
            try:
                return openai.OpenAI().responses.create(model="gpt-5", input=prompt)
            except Exception:
                return backup(prompt)
    """})
    openai_calls = [f for f in report.findings if f.vendor == "openai" and f.kind == "call"]
    assert openai_calls and all(f.has_fallback for f in openai_calls)


def test_litellm_fallbacks_and_langchain_with_fallbacks(tmp_path):
    report = run(tmp_path, {"chains.py": """
        import litellm
        from langchain_openai import ChatOpenAI
        from langchain_anthropic import ChatAnthropic
        litellm.completion(model="anthropic/claude-sonnet-4-5-20250929", fallbacks=["gpt-4o-mini"], messages=[])
        primary = ChatOpenAI(model="gpt-4o")
        chain = primary.with_fallbacks([ChatAnthropic(model="claude-3-5-haiku-latest")])
    """})
    by_line = {(f.line, f.kind, f.vendor): f for f in report.findings}
    assert by_line[(5, "model_string", "anthropic")].has_fallback
    assert by_line[(5, "model_string", "openai")].fallback_target
    assert by_line[(6, "adapter", "openai")].has_fallback and by_line[(6, "adapter", "openai")].fallback_to == ("anthropic",)


def test_pydantic_ai_fallback_model(tmp_path):
    report = run(tmp_path, {"agent.py": """
        from pydantic_ai import Agent
        from pydantic_ai.models.fallback import FallbackModel
        model = FallbackModel("openai:gpt-4o", "anthropic:claude-sonnet-4-5")
        agent = Agent(model)
    """})
    strings = {f.vendor: f for f in report.findings if f.kind == "model_string"}
    assert strings["openai"].has_fallback and not strings["anthropic"].has_fallback


def test_silence_for_prose_lookalikes_and_shadowing(tmp_path):
    report = run(tmp_path, {"quiet.py": '''
        """This module talks about OpenAI, Claude and https://api.anthropic.com in prose."""
        import logging
        import openai_helpers
        from google.cloud import storage
        import boto3
        log = logging.getLogger(__name__)
        PROMPT = "You are Claude, made by Anthropic. Compare with GPT-4o."
        # import anthropic
        def anthropic():
            return "local function"
        anthropic()
        log.info("calling https://api.openai.com/v1 for %s", "gpt-4o")
        storage.Client().bucket("x")
        boto3.client("s3")
    '''})
    assert report.findings == []


def test_first_party_module_named_like_a_vendor_is_not_the_sdk(tmp_path):
    report = run(tmp_path, {"openai.py": "def ask():\n    return 1\n", "app.py": "import openai\nopenai.ask()\n"})
    assert report.findings == []


def test_notebook_cells_are_scanned_with_cell_numbers(tmp_path):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# uses anthropic"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["%pip install anthropic\n", "import anthropic\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["client = anthropic.Anthropic()\n"]},
    ]}
    report = run(tmp_path, {"nb.ipynb": json.dumps(notebook)})
    assert {(f.cell, f.line, f.kind) for f in report.findings} == {(2, 2, "import"), (3, 1, "call")}


def test_bad_files_are_skipped_with_reasons_and_the_scan_goes_on(tmp_path):
    report = run(tmp_path, {
        "good.py": "import anthropic\n",
        "broken.py": "def f(:\n    pass\n",
        "py2.py": 'print "hello"\n',
        "blob.py": b"\x00\x01\xff\xfe binary",
        "huge.py": "x = 1\n" * 50,
        "nb.ipynb": "{not json",
    }, max_bytes=200)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.py", "py2.py", "blob.py", "huge.py", "nb.ipynb"}
    assert reasons["broken.py"].startswith("syntax error")
    assert "Python 2" in reasons["py2.py"]
    assert "binary" in reasons["blob.py"]
    assert "size limit" in reasons["huge.py"]
    assert "notebook" in reasons["nb.ipynb"]
    assert facts(report) == {(1, "anthropic", "import")}
    assert report.files_scanned == 1


def test_newer_python_syntax_is_scanned_not_skipped(tmp_path):
    report = run(tmp_path, {"modern.py": """
        import mistralai
        type Alias = int
        def pick[T](x: T) -> T:
            return x
        label = f"{'a' + "b"}"
        match label:
            case "ab":
                mistralai.Mistral(api_key="k")
    """})
    assert not report.skipped
    assert (2, "mistral", "import") in facts(report)


def test_latin1_file_with_coding_cookie(tmp_path):
    source = "# -*- coding: latin-1 -*-\nimport cohere\nNAME = 'caf\xe9'\n".encode("latin-1")
    report = run(tmp_path, {"legacy.py": source})
    assert not report.skipped and facts(report) == {(2, "cohere", "import")}


def test_secret_is_redacted_in_findings_and_snippets(tmp_path):
    key = "sk-ant-api03-" + "A" * 80 + "-" + "B" * 6 + "AA"
    report = run(tmp_path, {"leak.py": f'KEY = "{key}"\n'})
    (finding,) = report.findings
    assert finding.kind == "secret" and finding.vendor == "anthropic"
    assert key not in finding.snippet and key not in finding.detail and "REDACTED" in finding.detail


def test_scope_from_path_conventions(tmp_path):
    report = run(tmp_path, {"src/app.py": "import groq\n", "tests/test_app.py": "import groq\n", "examples/demo.py": "import groq\n"})
    assert {f.path: f.scope for f in report.findings} == {"src/app.py": "prod", "tests/test_app.py": "test", "examples/demo.py": "example"}


def test_env_var_read_or_written_but_not_removed(tmp_path):
    report = run(tmp_path, {"settings.py": """
        import os
        from os import getenv, environ
        A = os.environ.get("ANTHROPIC_API_KEY")
        B = getenv("MISTRAL_API_KEY")
        environ["GROQ_API_KEY"] = "x"
        C = environ["OPENAI_API_KEY"]
        del environ["COHERE_API_KEY"]
        environ.pop("XAI_API_KEY", None)
    """})
    assert facts(report) == {(4, "anthropic", "env_var"), (5, "mistral", "env_var"), (6, "groq", "env_var"), (7, "openai", "env_var")}


def test_project_module_serving_one_provider_counts_as_an_import_of_its_adapter(tmp_path):
    report = run(tmp_path, {
        "app/__init__.py": "",
        "app/llms/__init__.py": "",
        "app/llms/azure_openai.py": """
            from openai import AzureOpenAI
            def make():
                return AzureOpenAI(azure_endpoint="https://x.openai.azure.com")
        """,
        "app/gateway.py": """
            import openai
            def complete(q):
                return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """,
        "app/service.py": """
            from app.llms.azure_openai import make
            from app.gateway import complete
        """,
    })
    adapters = {(f.line, f.vendor, f.kind, f.framework, f.detail, f.is_call_site) for f in report.findings if f.path == "app/service.py"}
    # the provider-specific module counts, as import evidence (its calls are the sites); the gateway (transitive use) does not
    assert adapters == {(2, "azure_openai", "import", "first-party", "app.llms.azure_openai.make", False)}


def test_each_name_imported_from_the_projects_provider_modules_counts_once(tmp_path):
    """Two provider classes from one package are two imports; a name the catalogue already knows
    (`from browser_use import ChatOpenAI` inside browser-use itself) is the rules' import, not a
    second, first-party one at the same place; neither is a call site."""
    chat = "from {sdk} import {client}\nclass {name}:\n    def ask(self, q):\n        return {client}().{call}(model='{model}', messages=[])\n"
    report = run(tmp_path, {
        "acme/__init__.py": "",
        "acme/llms/__init__.py": "from .openai_llm import OpenAILLM\nfrom .anthropic_llm import AnthropicLLM\n",
        "acme/llms/openai_llm.py": chat.format(sdk="openai", client="OpenAI", name="OpenAILLM",
                                               call="chat.completions.create", model="gpt-4o"),
        "acme/llms/anthropic_llm.py": chat.format(sdk="anthropic", client="Anthropic", name="AnthropicLLM",
                                                  call="messages.create", model="claude-sonnet-4-5"),
        "acme/app.py": "from acme.llms import OpenAILLM, AnthropicLLM\n",
        "browser_use/__init__.py": "from browser_use.llm.openai.chat import ChatOpenAI\n",
        "browser_use/llm/__init__.py": "",
        "browser_use/llm/openai/__init__.py": "",
        "browser_use/llm/openai/chat.py": chat.format(sdk="openai", client="AsyncOpenAI", name="ChatOpenAI",
                                                      call="chat.completions.create", model="gpt-4o"),
        "browser_use/demo.py": "from browser_use import ChatOpenAI\n",
    })
    imports = sorted((f.path, f.line, f.vendor, f.framework or "", f.detail) for f in report.findings
                     if f.path in ("acme/app.py", "browser_use/demo.py"))
    assert imports == [
        ("acme/app.py", 1, "anthropic", "first-party", "acme.llms.AnthropicLLM"),
        ("acme/app.py", 1, "openai", "first-party", "acme.llms.OpenAILLM"),
        ("browser_use/demo.py", 1, "openai", "browser_use", "browser_use.ChatOpenAI"),
    ]
    assert not [f for f in report.findings if f.is_call_site and f.path in ("acme/app.py", "browser_use/demo.py")]


def test_endpoint_setting_named_after_a_provider_decides_the_client(tmp_path):
    report = run(tmp_path, {"lm.py": """
        from openai import OpenAI
        class LMStudioLLM:
            def __init__(self, config):
                self.client = OpenAI(base_url=config.lmstudio_base_url, api_key="lm-studio")
            def ask(self, q):
                return self.client.chat.completions.create(model="qwen2.5-7b", messages=[])
    """})
    assert {f.vendor for f in report.findings} == {"lmstudio"}


def test_model_configured_in_a_bedrock_only_file_is_a_bedrock_model(tmp_path):
    report = run(tmp_path, {"agent_config.py": """
        from strands.models import BedrockModel
        DEFAULT_MODEL = "claude-3-5-sonnet-20241022"
        model = BedrockModel(model_id="us.anthropic.claude-3-5-sonnet-20241022-v2:0")
    """, "direct.py": """
        import anthropic
        MODEL = "claude-3-5-sonnet-20241022"
        anthropic.Anthropic()
    """})
    vendors = {(f.path, f.vendor) for f in report.findings if f.kind == "model_string"}
    assert ("agent_config.py", "aws_bedrock") in vendors and ("agent_config.py", "anthropic") not in vendors
    assert ("direct.py", "anthropic") in vendors


def test_openai_sdk_serving_only_another_provider_belongs_to_that_provider(tmp_path):
    report = run(tmp_path, {"deepseek_provider.py": """
        import os
        from openai import AsyncOpenAI
        class DeepSeekProvider:
            @property
            def base_url(self):
                return "https://api.deepseek.com"
            def client(self):
                return AsyncOpenAI(base_url=self.base_url, api_key=os.getenv("DEEPSEEK_API_KEY"))
    """})
    assert {f.vendor for f in report.findings} == {"deepseek"}


def test_shared_variable_alone_is_not_a_vendor(tmp_path):
    report = run(tmp_path, {"search.py": """
        import os
        from googleapiclient.discovery import build
        service = build("customsearch", "v1", developerKey=os.environ["GOOGLE_API_KEY"])
    """, "gemini.py": """
        import os
        from google import genai
        client = genai.Client(api_key=os.environ["GOOGLE_API_KEY"])
    """})
    assert facts(report, "search.py") == set()
    assert (4, "google", "env_var") in facts(report, "gemini.py")


def test_model_names_in_price_tables_comparisons_and_tokenizers_are_not_routing(tmp_path):
    report = run(tmp_path, {"costs.py": """
        import tiktoken
        MODEL_COSTS = [(("gpt-5.5-pro",), 30.0, 180.0), (("claude-opus-4-7",), 15.0, 75.0)]
        _REASONING_MODEL_PREFIXES = ("o3", "gpt-5")
        def cost(model):
            if model == "gpt-4o":
                return 1
            return calculate_llm_cost(model="claude-sonnet-4-6", tokens=10)
        enc = tiktoken.encoding_for_model("gpt-4o")
        def is_cassette(host):
            return host == "api.anthropic.com"
        def split(text, token_encoding_model="text-embedding-3-small"):
            return text
    """})
    assert report.findings == []


def test_subscripted_generic_agent_routes_its_model(tmp_path):
    report = run(tmp_path, {"agent.py": """
        from pydantic_ai import Agent
        agent = Agent[None, str]("google:gemini-2.5-flash")
    """})
    assert (3, "google", "model_string") in facts(report)


def test_legacy_langchain_paths_map_to_community_integrations(tmp_path):
    report = run(tmp_path, {"local.py": "from langchain.llms.ollama import Ollama\nllm = Ollama(model='llama3')\n"})
    assert {f.vendor for f in report.findings} == {"ollama"}


def test_retries_on_the_same_provider_are_recorded_not_credited(tmp_path):
    report = run(tmp_path, {"retrying.py": """
        import litellm
        import openai
        from tenacity import retry, stop_after_attempt
        client = openai.OpenAI(max_retries=5)
        @retry(stop=stop_after_attempt(3))
        def ask():
            return client.chat.completions.create(model="gpt-4o", messages=[])
        def again():
            try:
                return client.responses.create(model="gpt-5", input="x")
            except openai.APIError:
                return client.responses.create(model="gpt-5-mini", input="x")
        def routed():
            return litellm.completion(model="anthropic/claude-sonnet-4-5", num_retries=3, messages=[])
    """})
    calls = {f.line: f for f in report.findings if f.kind in ("call", "model_string")}
    assert calls[5].retry and calls[8].retry and calls[11].retry and calls[15].retry
    assert not any(f.has_fallback for f in report.findings)


def test_a_makers_model_id_configured_for_a_host_is_the_hosts(tmp_path):
    """`zai/glm-4.5` set for an OpenAI-compatible client of Together runs at Together; the same
    id in a file that reaches no host stays Zhipu's (Z.ai's)."""
    report = run(tmp_path, {"hosted.py": """
        from openai import OpenAI
        MODEL = "zai/glm-4.5"
        client = OpenAI(base_url="https://api.together.xyz/v1")
    """, "routed.py": """
        MODEL = "zai/glm-4.5"
    """, "router.py": """
        import litellm
        MODEL = "zai/glm-4.5"
        litellm.completion(model=MODEL, messages=[], api_base="https://api.together.xyz/v1")
    """})
    assert (3, "together", "model_string") in facts(report, "hosted.py")
    assert facts(report, "routed.py") == {(2, "zhipu", "model_string")}
    assert (3, "zhipu", "model_string") in facts(report, "router.py")  # a router routes by the prefix
