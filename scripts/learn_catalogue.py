"""Regenerate the built-in learned catalogue (rules/learned/) from pinned framework packages.

    python scripts/learn_catalogue.py                 # download the pins from PyPI, learn, write rules/learned/
    python scripts/learn_catalogue.py --wheels DIR    # learn wheels already downloaded (no network)

It runs `pip download --no-deps` for every pin below into a temporary folder (the packages are
read as data, never installed, imported or run), learns them all together with `riskscan learn`'s
engine, replaces rules/learned/*.toml with the files that reach a vendor, and prints how many of
the hand-written adapters of those packages the result reproduces (riskscan/learn/coverage.py;
tests/test_learn_catalogue.py checks the committed files the same way). Hand-written names that
the pinned versions do not define are written to rules/learned/NOT_DEFINED and counted apart. To add a package, add its
pin, run the script, and review the diff of rules/learned/ like code.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from riskscan.api import collecting_less  # noqa: E402
from riskscan.learn import sources  # noqa: E402
from riskscan.learn.coverage import NOT_DEFINED, compare, hand_written_inside, undefined  # noqa: E402
from riskscan.learn.learner import analysed, learned_files  # noqa: E402
from riskscan.ruleset import load_catalogue  # noqa: E402

PINS = """
langchain-openai==1.8.1 langchain-anthropic==1.7.10 langchain-google-genai==4.4.3 langchain-google-vertexai==3.2.5
langchain-mistralai==1.1.6 langchain-groq==1.1.3 langchain-aws==1.9.1 langchain-cohere==0.6.0 langchain-ollama==1.1.0
langchain-fireworks==1.7.1 langchain-together==0.4.0 langchain-xai==1.3.0 langchain-deepseek==1.1.1
langchain-huggingface==1.2.3 langchain-nvidia-ai-endpoints==1.5.0 langchain-perplexity==1.4.2 langchain-openrouter==0.2.9
langchain-cerebras==0.8.2 langchain-ibm==1.1.2 langchain-voyageai==0.4.1 langchain-sambanova==1.1.1
langchain-upstage==0.7.7 langchain-azure-ai==1.2.12 databricks-langchain==0.22.0
llama-index-llms-openai==0.8.3 llama-index-llms-azure-openai==0.6.1 llama-index-llms-anthropic==0.12.3
llama-index-llms-google-genai==0.11.3 llama-index-llms-gemini==0.6.2 llama-index-llms-vertex==0.8.0
llama-index-llms-bedrock==0.6.0 llama-index-llms-bedrock-converse==0.15.5 llama-index-llms-mistralai==0.11.0
llama-index-llms-cohere==0.9.0 llama-index-llms-groq==0.6.1 llama-index-llms-deepseek==0.4.1
llama-index-llms-together==0.6.1 llama-index-llms-fireworks==0.6.0 llama-index-llms-perplexity==0.6.1
llama-index-llms-openrouter==0.6.0 llama-index-llms-huggingface-api==0.8.0 llama-index-llms-replicate==0.7.0
llama-index-llms-nvidia==0.6.0 llama-index-llms-cerebras==0.5.0 llama-index-llms-ibm==0.8.0
llama-index-llms-databricks==0.6.1 llama-index-llms-ollama==0.11.0 llama-index-llms-lmstudio==0.6.0
llama-index-llms-llama-cpp==0.7.0 llama-index-llms-vllm==0.8.0 llama-index-llms-openai-like==0.8.1
llama-index-embeddings-openai==0.7.0 llama-index-embeddings-azure-openai==0.6.1 llama-index-embeddings-google-genai==0.6.0
llama-index-embeddings-gemini==0.4.2 llama-index-embeddings-vertex==0.6.0 llama-index-embeddings-bedrock==0.9.0
llama-index-embeddings-cohere==0.9.0 llama-index-embeddings-mistralai==0.6.0 llama-index-embeddings-voyageai==0.7.0
llama-index-embeddings-jinaai==0.7.0 llama-index-embeddings-nvidia==0.6.0 llama-index-embeddings-ibm==0.7.0
llama-index-embeddings-ollama==0.10.0 llama-index-embeddings-fireworks==0.6.0 llama-index-embeddings-together==0.6.0
llama-index-embeddings-databricks==0.6.0 llama-index-embeddings-huggingface-api==0.6.0
haystack-ai==3.4.1 anthropic-haystack==8.0.1 amazon-bedrock-haystack==9.0.0 google-genai-haystack==7.0.0
google-ai-haystack==5.4.0.post1 google-vertex-haystack==5.3.0.post1 cohere-haystack==11.0.0 mistral-haystack==3.0.0
ollama-haystack==7.0.2 nvidia-haystack==3.0.0 watsonx-haystack==3.0.0 jina-haystack==2.0.1 openrouter-haystack==2.0.0
togetherai-haystack==5.0.0 llama-cpp-haystack==3.0.2
semantic-kernel==1.45.0 autogen-ext==0.7.5 chromadb==1.5.9 crewai==1.15.30 dspy==3.4.1 smolagents==1.26.0
pydantic-ai-slim==2.68.0 agno==3.1.10 google-adk==2.13.0 instructor==1.17.0
""".split()


def download(folder: Path) -> None:
    """`pip download --no-deps` of every pin (wheels preferred, an sdist where there is none)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), *PINS], check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", type=Path, help="learn the archives in this folder instead of downloading the pins")
    parser.add_argument("--output", type=Path, default=REPO / "rules", help="rules folder to write learned/ into")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="riskscan-catalogue-") as work:
        folder = args.wheels or Path(work) / "downloads"
        if args.wheels is None:
            download(folder)
        archives = sorted(p for p in folder.iterdir() if p.name.endswith(sources.ARCHIVE_SUFFIXES))
        distributions = [sources.from_archive(p, Path(work) / "unpacked") for p in archives]
        with collecting_less():
            wanted, reach = analysed(distributions, load_catalogue())
            learned = learned_files(wanted, reach)
    target = args.output / "learned"
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.toml"):
        stale.unlink()
    for rule_file in (f for f in learned if f.symbols):
        rule_file.write(args.output)
    packages = [p for f in learned for p in f.packages]
    absent = undefined((q for q, _ in hand_written_inside(args.output, packages)), reach.all_public_names())
    (target / NOT_DEFINED).write_text("# Hand-written adapter names the pinned versions do not define, or keep only as an empty "
                                      "placeholder of a removed class (written by scripts/learn_catalogue.py)\n" + "".join(f"{q}\n" for q in absent), encoding="utf-8")
    kept = sum(bool(f.symbols) for f in learned)
    coverage = compare(args.output)
    print(f"{kept} of {len(learned)} distributions reach a vendor; {sum(len(f.symbols) for f in learned)} symbols written to {target}")
    print(f"hand-written adapters of these packages reproduced: {len(coverage.compared) - len(coverage.missed)} "
          f"of {len(coverage.compared)} ({coverage.ratio:.1%}); {len(coverage.not_defined)} more name classes or "
          f"functions the pinned versions do not define ({target / NOT_DEFINED})")
    for qualname, vendor, instead in coverage.missed:
        print(f"  missed {qualname} -> {vendor}" + (f" (learned {instead})" if instead else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
