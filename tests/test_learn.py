"""`riskscan learn`: rules learned from a wrapper package's code, and scans that use them."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskscan.api import ScanOptions, scan
from riskscan.cli import cli
from riskscan.errors import RuleFileError
from riskscan.learn import sources
from riskscan.learn.learner import analysed, learn, resolved
from riskscan.ruleset import load_catalogue

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "learn"
ACME = FIXTURES / "acme-llm"
SERVICE = FIXTURES / "service"
PATTERNS = FIXTURES / "patterns"


def _learned_folder(tmp_path_factory, package: Path) -> Path:
    folder = tmp_path_factory.mktemp("rules")
    with resolved([package]) as distributions:
        (learned,) = learn(distributions, load_catalogue())
    learned.write(folder)
    return folder


@pytest.fixture(scope="module")
def acme_rules(tmp_path_factory) -> Path:
    return _learned_folder(tmp_path_factory, ACME)


@pytest.fixture(scope="module")
def patterns(tmp_path_factory) -> dict:
    """The symbols learned from fixtures/learn/patterns (one module per pattern)."""
    return _symbols(_learned_folder(tmp_path_factory, PATTERNS), "pattern_llm")[0]


def _symbols(folder: Path, name: str = "acme_llm") -> tuple:
    import tomllib

    data = tomllib.loads((folder / "learned" / f"{name}.toml").read_text())
    found = {q: ("adapter", r["vendor"], r["feature"], tuple(r.get("fallback_to", ()))) for r in data.get("adapters", ()) for q in r["qualnames"]}
    found.update({q: ("router", tuple(r["model_args"])) for r in data.get("routers", ()) for q in r["qualnames"]})
    return found, data["provenance"]


def test_wrapper_symbols_map_to_the_vendors_they_reach(acme_rules):
    symbols, provenance = _symbols(acme_rules)
    assert symbols["acme_llm.Chat"] == ("adapter", "openai", "chat", ("anthropic",))
    assert symbols["acme_llm.chat.Chat"] == symbols["acme_llm.Chat"]
    assert symbols["acme_llm.chat.StreamingChat"] == ("adapter", "openai", "chat", ("anthropic",))  # inherits ask()
    assert symbols["acme_llm.Embeddings"] == ("adapter", "voyage", "embeddings", ())
    # routers: the provider comes from the model string, not from every provider LiteLLM supports
    assert symbols["acme_llm.complete"] == ("router", ("model", 1))
    assert symbols["acme_llm.Assistant"] == ("router", ("model", 1))
    # a vendor only in a type, an import under TYPE_CHECKING and a docstring: nothing learned
    assert "acme_llm.Message" not in symbols and "acme_llm.types.Message" not in symbols
    assert provenance["distribution"] == "acme-llm" and provenance["version"] == "1.4.0"
    assert provenance["content_hash"].startswith("sha256:") and provenance["packages"] == ["acme_llm"]


def test_the_patterns_framework_packages_use_are_followed(patterns):
    """fixtures/learn/patterns: each module is one way framework packages reach a provider."""
    symbols = patterns
    assert symbols["pattern_llm.OpenAICompatible"] == ("adapter", "openai", "chat", ())
    # the inherited `chat` calls `self._get_client()`: the receiver's override decides the client
    assert symbols["pattern_llm.AzureCompatible"] == ("adapter", "azure_openai", "chat", ())
    # the OpenAI SDK pointed at the API host the subclass names
    assert symbols["pattern_llm.DeepInfraChat"] == ("adapter", "deepinfra", "chat", ())
    # a function that only builds a client hands the provider on: a client, never a call site
    assert symbols["pattern_llm.make_groq_client"] == ("adapter", "groq", "client", ())
    # a typed client's request method handed on (instructor's `from_groq`)
    assert symbols["pattern_llm.from_groq"] == ("adapter", "groq", "chat", ())
    # a POST to a provider's API host built from a class attribute's default
    assert symbols["pattern_llm.TogetherREST"] == ("adapter", "together", "completions", ())
    # a module-level alias names the class too
    assert symbols["pattern_llm.models.GroqModel"] == symbols["pattern_llm.GroqChat"] == ("adapter", "groq", "chat", ())
    # a GET of a web page, and a function beside a module-level registry of Groq classes: nothing
    assert "pattern_llm.fetch_docs" not in symbols and "pattern_llm.version" not in symbols
    # a helper of an SDK's private module (a JSON schema from a model) sends no request
    assert "pattern_llm.ToolSchema" not in symbols
    # a class that keeps functions by reference (a toolkit's table) runs none of them itself
    assert "pattern_llm.Toolkit" not in symbols
    assert symbols["pattern_llm.summarise_with_openai"] == ("adapter", "openai", "chat", ())


def test_http_requests_to_a_url_the_request_leaves_open(patterns):
    """pattern_llm/open_url.py: the URL of a POST comes from a constructor default, an attribute a
    method sets, or a helper's parameter; the provider is the one whose API host the class names."""
    # the default base URL is a constant of another module; a helper sends the request to the URL
    # its caller hands it (`f"{self.api_base}/embeddings"`: the path says embeddings)
    assert patterns["pattern_llm.MistralVectors"] == ("adapter", "mistral", "embeddings", ())
    # the address is an instance attribute the constructor sets
    assert patterns["pattern_llm.JinaRerank"] == ("adapter", "jina", "rerank", ())
    # the user's own server (a provider's key read, no host named) and the helper itself: nobody
    assert "pattern_llm.OwnServerVectors" not in patterns
    # the provider's address only compared with the URL the user gives
    assert "pattern_llm.GatewayVectors" not in patterns
    # the helper handed another host's fixed URL: the provider the class names is not where it posts
    assert "pattern_llm.BuildNotifier" not in patterns
    assert "pattern_llm.post_json" not in patterns


def test_clients_kept_on_the_instance_are_typed_by_their_annotation(patterns):
    """pattern_llm/typed_clients.py: `self.client.embed(...)` where a base's field or a constructor
    parameter says the client is one provider's."""
    assert patterns["pattern_llm.InferenceVectors"] == ("adapter", "azure_ai", "embeddings", ())
    assert patterns["pattern_llm.GroqAsk"] == ("adapter", "groq", "chat", ())
    # two providers' clients accepted: the caller's choice, nothing learned
    assert "pattern_llm.EitherClient" not in patterns


def test_a_stand_in_for_a_missing_extra_is_not_the_public_name(patterns):
    """`try: from .foundry import FoundryClaude as AzureClaude` / `except ImportError: class
    AzureClaude: ...`: the stand-in only raises; the name is the imported class."""
    assert patterns["pattern_llm.AzureClaude"] == ("adapter", "azure_ai", "chat", ())



def test_a_client_helper_taking_the_service_name_builds_the_service_its_caller_names(patterns):
    """fixtures/learn/patterns aws_clients.py/aws.py: `aws_client(service_name, ...)` passes its own
    parameter to `boto3.client` (through a dict unpacked with `**`); a call with a literal builds
    that service's client, and requests on it reach that provider."""
    symbols = patterns
    assert symbols["pattern_llm.BedrockChat"] == ("adapter", "aws_bedrock", "chat", ())
    assert symbols["pattern_llm.EndpointPredictor"] == ("adapter", "aws_sagemaker", "chat", ())
    # the same helper asked for S3 reaches no AI provider; the helper itself serves any service
    assert "pattern_llm.Archive" not in symbols
    assert "pattern_llm.aws_clients.aws_client" not in symbols and "pattern_llm.aws_clients.connect" not in symbols
    # a client from the package's own helper names no SDK: it does not claim the class's other requests
    assert "pattern_llm.BedrockOrTogether" not in symbols


def test_a_client_built_on_an_untyped_session_by_service_name_is_that_services(patterns):
    """fixtures/learn/patterns aws.py: `session.client(service_name="bedrock-runtime")` on a session
    the caller hands in untyped builds a Bedrock client; `service_name="sqs"` builds none."""
    symbols = patterns
    assert symbols["pattern_llm.SessionEmbeddings"] == ("adapter", "aws_bedrock", "chat", ())
    assert "pattern_llm.SessionQueue" not in symbols


def test_what_unpickling_rebuilds_is_not_what_a_class_reaches(patterns):
    """fixtures/learn/patterns pickled.py: a Bedrock client built by the constructor and a plain
    Anthropic one rebuilt in `__setstate__`: the class is the constructor's; a class building a
    client only in `__setstate__` learns nothing."""
    symbols = patterns
    assert symbols["pattern_llm.BedrockClaude"] == ("adapter", "aws_bedrock", "client", ())
    assert "pattern_llm.Restored" not in symbols


def test_functions_calling_each_other_are_both_routers_whichever_is_decided_first(patterns):
    """fixtures/learn/patterns cycles.py: `answer` hands its model to LiteLLM or to `retry`, which
    hands it back; deciding `answer` first meets `retry` inside the cycle, and `retry` is still a router."""
    symbols = patterns
    assert symbols["pattern_llm.answer"] == symbols["pattern_llm.retry"] == ("router", ("model", 0))
    assert "pattern_llm.label" not in symbols


def test_requests_on_declared_client_types_are_followed(patterns):
    """fixtures/learn/patterns typed_client.py, strict_schema.py: a client known by its declared
    type (a property's return annotation, handed through a helper returning its argument's type
    variable, a generic's property returning its type variable) sends requests; reading an SDK resource, or calling an SDK helper function, does not."""
    symbols = patterns
    assert symbols["pattern_llm.MistralModel"] == ("adapter", "mistral", "chat", ())
    # an attribute declared `Source[voyageai.AsyncClient]` whose property returns the type variable
    assert symbols["pattern_llm.VoyageEmbedder"] == ("adapter", "voyage", "embeddings", ())
    # `client = self.client` then `client.chat` handed to a helper
    assert symbols["pattern_llm.CohereRelay"] == ("adapter", "cohere", "chat", ())
    # `_ = client.messages` is an attribute read: no request, so no Anthropic adapter
    assert "pattern_llm.Warmed" not in symbols
    # a helper whose return type is not its argument's says nothing of what `.upper()` is called on
    assert "pattern_llm.Labelled" not in symbols
    # `anthropic.transform_schema(...)` reshapes a schema locally
    assert "pattern_llm.StrictSchema" not in symbols


def test_a_provider_picked_by_a_default_name_redirects_the_inherited_requests(patterns):
    """fixtures/learn/patterns named_providers.py: a subclass that changes only the default name
    its base dispatches on (`match name: case "fireworks": return FireworksHosted`) sends the
    OpenAI SDK requests it inherits to the provider that branch's class names."""
    symbols = patterns
    assert symbols["pattern_llm.FireworksChat"] == ("adapter", "fireworks", "chat", ())
    assert symbols["pattern_llm.HostedChat"] == ("adapter", "openai", "chat", ())
    # only a branch's exact name selects it
    assert symbols["pattern_llm.LocalChat"] == ("adapter", "openai", "chat", ())
    # the branch's class names no provider the rules know: where it sends is unknown, not OpenAI
    assert "pattern_llm.InHouseChat" not in symbols


def test_a_removed_class_kept_as_an_empty_placeholder_defines_no_public_name(patterns):
    """fixtures/learn/patterns removed.py: `class LegacyGroqChat: "Removed in 1.0.0"` keeps a name of
    older releases; the catalogue comparison counts such names apart (learned/NOT_DEFINED) instead
    of as misses, and nothing is learned for it."""
    with resolved([PATTERNS]) as distributions:
        _, reach = analysed(distributions, load_catalogue())
        names = reach.all_public_names()
    assert {"pattern_llm.GroqChat", "pattern_llm.models.GroqChat", "pattern_llm.Toolkit"} <= names
    assert "pattern_llm.LegacyGroqChat" not in names and "pattern_llm.removed.LegacyGroqChat" not in names
    assert "pattern_llm.LegacyGroqChat" not in patterns


def test_openai_sdk_calls_follow_the_client_the_class_itself_builds(patterns):
    """fixtures/learn/patterns/.../compat: the OpenAI SDK's calls of a class go to the provider of the
    client its own code builds, even when the client is another provider's subclass of OpenAI's."""
    symbols = patterns
    # an SDK connection object built beside the Azure client picks no provider
    assert symbols["pattern_llm.compat.AzureVoice"] == ("adapter", "azure_openai", "chat", ())
    assert symbols["pattern_llm.compat.PlainVoice"] == ("adapter", "openai", "chat", ())
    # the base's factory builds the OpenAI subclass: that client is the sibling's, not this class's
    assert symbols["pattern_llm.compat.AzureChatClient"] == ("adapter", "azure_openai", "chat", ())
    assert symbols["pattern_llm.compat.PlainChatClient"] == ("adapter", "openai", "chat", ())
    # a provider's client class that takes a base URL, handed out as an `OpenAI`
    assert symbols["pattern_llm.compat.WorkspaceChat"] == ("adapter", "databricks", "chat", ())
    # a client of another SDK kept beside the OpenAI client it is given moves nothing
    assert symbols["pattern_llm.compat.ModeratedChat"] == ("adapter", "openai", "chat", ())
    # a configuration object the class builds names the provider: a default base URL, or its variables'
    # prefix (pydantic-settings); an adapter it builds beside its client is no configuration
    assert symbols["pattern_llm.compat.FireworksCompleter"] == ("adapter", "fireworks", "chat", ())
    assert symbols["pattern_llm.compat.MistralCompleter"] == ("adapter", "mistral", "chat", ())
    assert symbols["pattern_llm.compat.ReviewedCompleter"] == ("adapter", "openai", "chat", ())
    # the scan moves a file's OpenAI-SDK findings to the provider the file names; learning keeps them
    # where only another class names it, and where a helper function of the file does, moves them too
    assert symbols["pattern_llm.compat.ResponsesModel"] == ("adapter", "openai", "responses", ())
    assert symbols["pattern_llm.compat.AzureResponsesModel"] == ("adapter", "azure_openai", "responses", ())
    assert symbols["pattern_llm.compat.KeyedChat"] == ("adapter", "groq", "chat", ())
    # two providers picked by a yes/no field (`is_openai_model`): no model argument, so no router
    assert "pattern_llm.compat.DualBackend" not in symbols
    # a client stored under an `if` instead of the constructor's default is a switch: the default decides
    assert symbols["pattern_llm.compat.SwitchedEmbedder"] == ("adapter", "openai", "embeddings", ())
    assert symbols["pattern_llm.compat.AzureFirstEmbedder"] == ("adapter", "azure_openai", "embeddings", ())
    # a subclass whose own constructor runs instead of the inherited switch
    assert symbols["pattern_llm.compat.AzureOnlyEmbedder"] == ("adapter", "azure_openai", "embeddings", ())


def _entry_points(report) -> dict:
    from riskscan.render.json_report import render_json

    data = json.loads(render_json(report))
    return {e["name"]: (sorted(e["vendors"]), sorted(e["unprotected_vendors"])) for e in data["entry_points"]}


def test_service_is_attributed_through_the_learned_wrapper(acme_rules):
    with_rules = _entry_points(scan(SERVICE, ScanOptions(rule_dirs=(acme_rules,))))
    assert with_rules["answer"][1] == []  # OpenAI, protected by the wrapper's own Anthropic fallback
    assert "openai" in with_rules["answer"][0]
    assert with_rules["index"] == (["voyage"], ["voyage"])
    assert with_rules["draft"] == (["mistral"], ["mistral"])
    assert with_rules["triage"] == (["groq"], ["groq"])
    assert with_rules["echo"] == ([], [])
    without = _entry_points(scan(SERVICE, ScanOptions()))
    assert without["answer"] == ([], []) and without["index"] == ([], []) and without["triage"] == ([], [])


def test_learn_command_writes_a_rule_file_that_rules_lists(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["learn", str(ACME), "-o", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "acme-llm 1.4.0: 3 adapter(s), 2 router(s)" in result.output
    listing = runner.invoke(cli, ["rules", "--rules", str(tmp_path / "out")])
    assert listing.exit_code == 0, listing.output
    assert f"{tmp_path / 'out'}: 0 hand-written and 9 learned" in listing.output


def test_learn_reads_a_wheel_an_sdist_and_a_site_packages_without_importing(tmp_path):
    wheel = tmp_path / "acme_llm-1.4.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in (ACME / "src").rglob("*.py"):
            archive.write(path, path.relative_to(ACME / "src").as_posix())
        archive.writestr("acme_llm-1.4.0.dist-info/METADATA", "Name: acme-llm\nVersion: 1.4.0\n\n")
        archive.writestr("../evil.py", "import openai\n")  # never written outside the unpack folder
    site = _site_packages(tmp_path / "env")
    sdist = shutil.make_archive(str(tmp_path / "acme-llm-1.4.0"), "gztar", FIXTURES, "acme-llm")
    for target, kwargs in ((wheel, {}), (Path(sdist), {}), ("acme-llm", {"site_packages": site})):
        with resolved([target], **kwargs) as distributions:
            (learned,) = learn(distributions, load_catalogue())
        assert {s.qualnames[0] for s in learned.symbols} >= {"acme_llm.Chat", "acme_llm.complete"}, target
    assert not (tmp_path / "evil.py").exists()
    with resolved([], python=tmp_path / "env" / "bin" / "python") as distributions:
        assert [d.name for d in distributions] == ["acme-llm"]


def _site_packages(env: Path) -> Path:
    """A virtualenv layout with acme-llm installed (metadata written by hand: nothing is run)."""
    site = env / "lib" / "python3.11" / "site-packages"
    shutil.copytree(ACME / "src" / "acme_llm", site / "acme_llm")
    info = site / "acme_llm-1.4.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-llm\nVersion: 1.4.0\n\n")
    (info / "top_level.txt").write_text("acme_llm\n")
    rows = [f"{p.relative_to(site).as_posix()},sha256=x,1" for p in sorted((site / "acme_llm").rglob("*.py"))]
    (info / "RECORD").write_text("\n".join(rows + ["../../../bin/acme,sha256=x,1", "acme_llm-1.4.0.dist-info/RECORD,,"]) + "\n")
    (env / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (env / "bin").mkdir()
    (env / "bin" / "python").write_text("")
    return site


def test_scan_learns_from_the_environment_once(tmp_path):
    _site_packages(tmp_path / "env")
    cache = tmp_path / "cache"
    runner = CliRunner()
    args = ["scan", str(SERVICE), "--format", "json", "--cache-dir", str(cache), "--learn-from-env", str(tmp_path / "env")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    learned = list((cache / "learned").rglob("acme_llm.toml"))
    assert len(learned) == 1
    stamp = learned[0].stat().st_mtime_ns
    second = runner.invoke(cli, args)
    assert learned[0].stat().st_mtime_ns == stamp  # the second scan pays nothing
    for output in (first.output, second.output):
        entry = {e["name"]: e for e in json.loads(output)["entry_points"]}
        assert entry["index"]["vendors"] == ["voyage"]
    assert not list(SERVICE.rglob("*.toml"))[1:]  # nothing written into the scanned tree (only its pyproject)


def test_a_broken_learned_file_names_file_line_and_key(tmp_path):
    (tmp_path / "learned").mkdir()
    (tmp_path / "learned" / "acme.toml").write_text(
        'id = "acme"\n\n[provenance]\ndistribution = "acme"\nversion = "1"\ncontent_hash = "md5:x"\nlearned_on = 2026-12-03\n\n'
        '[[adapters]]\nqualnames = ["acme.Chat"]\nvendor = "opneai"\nfeature = "chit"\n')
    with pytest.raises(RuleFileError) as error:
        load_catalogue([tmp_path])
    text = str(error.value)
    assert "learned/acme.toml:6: provenance.content_hash" in text
    assert "learned/acme.toml:12: adapters[0].feature: 'chit' is not one of" in text
    (tmp_path / "learned" / "acme.toml").write_text(
        'id = "acme"\n\n[provenance]\ndistribution = "acme"\nversion = "1"\ncontent_hash = "sha256:' + "0" * 64 + '"\n'
        'learned_on = 2026-12-03\n\n[[adapters]]\nqualnames = ["acme.Chat"]\nvendor = "opneai"\nfeature = "chat"\n')
    with pytest.raises(RuleFileError, match=r"acme.toml:11: adapters\[0\].vendor: unknown vendor id 'opneai'"):
        load_catalogue([tmp_path])


def test_hand_written_rules_win_over_learned_ones(tmp_path):
    (tmp_path / "learned").mkdir()
    (tmp_path / "learned" / "lc.toml").write_text(
        'id = "lc"\n\n[provenance]\ndistribution = "lc"\nversion = "1"\ncontent_hash = "sha256:' + "0" * 64 + '"\n'
        'learned_on = 2026-12-03\n\n[[adapters]]\nqualnames = ["langchain_openai.ChatOpenAI", "lc.Other"]\nvendor = "groq"\nfeature = "chat"\n')
    catalogue = load_catalogue([tmp_path])
    assert catalogue.entries["langchain_openai.ChatOpenAI"].vendor == "openai"
    assert "lc.Other" not in catalogue.entries  # the same symbol: the hand-written rule decides


def test_installed_distribution_names_are_normalised():
    assert sources.normalise("LangChain.OpenAI") == "langchain_openai"


def test_the_run_memo_answers_a_learned_scan_until_the_environment_or_what_was_learned_changes(tmp_path, monkeypatch):
    from riskscan import cache as cache_module
    from riskscan import cli as cli_module

    monkeypatch.setattr(cache_module, "RACY_SECONDS", -3600.0)  # files written a moment ago count as settled
    site = _site_packages(tmp_path / "env")
    runs = []
    real = cli_module.learned_scan
    monkeypatch.setattr(cli_module, "learned_scan", lambda *args: runs.append(args) or real(*args))
    out = tmp_path / "report.json"
    args = ["scan", str(SERVICE), "-q", "-o", str(out), "--cache-dir", str(tmp_path / "cache"), "--learn-from-env", str(tmp_path / "env")]

    def scanned() -> dict:
        assert cli_module.main(args) == 0
        return {e["name"]: e["vendors"] for e in json.loads(out.read_text())["entry_points"]}

    first = scanned()
    assert first["index"] == ["voyage"] and len(runs) == 1
    assert scanned() == first and len(runs) == 1  # the memo answers: nothing scanned, nothing learned
    (site / "acme_llm-1.4.0.dist-info" / "RECORD").write_text("acme_llm/__init__.py,sha256=y,1\n")  # reinstalled
    assert scanned()["index"] == [] and len(runs) == 2  # the new content is learned: no file of it left
    for learned in (tmp_path / "cache" / "learned").rglob("*.*"):
        learned.unlink()
    scanned()
    assert len(runs) == 3  # the learned files are gone: computed (and learned) again
