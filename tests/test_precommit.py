"""The pre-commit hook, run by real pre-commit and git: a direct `import openai` outside the gateway stops the commit.

The hook definition is read from the repository's own .pre-commit-hooks.yaml and used verbatim,
except `language: system`: pre-commit then runs the riskscan installed here instead of building
a virtualenv from the network.
"""
from __future__ import annotations

import importlib.util
import json
import re
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

HAS_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (CI installs it; see .ci/run)"),
    pytest.mark.skipif(not HAS_PRE_COMMIT, reason="pre-commit is not installed (pip install -e '.[test]' installs it)"),
]

FILES = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "1.0"

        [tool.riskscan.policy]
        gateway_modules = ["shop/llm/**"]
    """,
    "shop/__init__.py": "",
    "shop/llm/__init__.py": "",
    "shop/llm/gateway.py": """
        import openai


        def complete(prompt, model):  # the model is a setting: no retirement date can make this test age
            return openai.OpenAI().chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
    """,
    "shop/api.py": """
        from shop.llm.gateway import complete


        def answer(question):
            return complete(question, "chat-default")
    """,
}


def hook_config() -> str:
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = dict(hook, language="system")
    return json.dumps({"repos": [{"repo": "local", "hooks": [hook]}]}, indent=2)  # JSON is YAML


@pytest.fixture()
def git_repo(tmp_path):
    repo = tmp_path / "repo"
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(hook_config(), encoding="utf-8")
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n")
    env = dict(os.environ, GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)

    def run(*args):
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    assert run("git", "init", "-q").returncode == 0
    installed = run(sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, run


def commit(run, message):
    run("git", "add", "-A")
    result = run("git", "commit", "-q", "-m", message)
    return result.returncode, result.stdout + result.stderr


def commit_count(run) -> int:
    result = run("git", "rev-list", "--count", "HEAD")
    return int(result.stdout.strip()) if result.returncode == 0 else 0


def test_clean_commit_passes_and_direct_import_outside_the_gateway_is_stopped(git_repo):
    repo, run = git_repo
    code, output = commit(run, "a gateway and a route that uses it")
    assert code == 0, output
    assert commit_count(run) == 1

    (repo / "shop" / "reports.py").write_text("import openai\n\n\ndef summary(text):\n    return text\n")
    code, output = commit(run, "reports talk to OpenAI directly")
    assert code != 0
    assert "shop/reports.py:1:8: RS101 [direct-sdk-outside-gateway]" in output
    assert commit_count(run) == 1  # the commit did not land

    (repo / "shop" / "reports.py").write_text("from shop.llm.gateway import complete\n\n\ndef summary(text):\n    return complete(text)\n")
    code, output = commit(run, "reports go through the gateway")
    assert code == 0, output
    assert commit_count(run) == 2


def test_an_inline_suppression_lets_the_commit_through(git_repo):
    repo, run = git_repo
    assert commit(run, "base")[0] == 0
    (repo / "shop" / "legacy.py").write_text("import openai  # riskscan: ignore[RS101] -- removed in SHOP-7\n")
    code, output = commit(run, "legacy module, suppressed")
    assert code == 0, output


README_SNIPPET = re.compile(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", re.DOTALL)
OFFLINE = ("Could not find a version", "Failed to establish", "Temporary failure in name resolution",
           "No matching distribution", "Network is unreachable", "ConnectionError")


@pytest.mark.slow
def test_the_readme_snippet_works_from_a_clone_at_the_rev_it_names(git_repo, tmp_path):
    """The README's `rev:` exists in the repository, and `pre-commit try-repo` at that rev installs the
    hook (from a clone, as pre-commit itself would fetch it) and stops a violating commit."""
    import yaml

    snippet = yaml.safe_load(README_SNIPPET.search((ROOT / "README.md").read_text(encoding="utf-8")).group(1))
    (entry,) = snippet["repos"]
    rev, hook_ids = entry["rev"], [hook["id"] for hook in entry["hooks"]]
    clone = tmp_path / "clone"
    cloned = subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], capture_output=True, text=True, timeout=300)
    assert cloned.returncode == 0, cloned.stderr
    exists = subprocess.run(["git", "-C", str(clone), "cat-file", "-e", f"{rev}^{{commit}}"], capture_output=True, text=True)
    assert exists.returncode == 0, f"the README's pre-commit rev {rev!r} is not a commit, tag or branch of this repository"
    repo, run = git_repo
    (repo / "shop" / "reports.py").write_text("import openai\n")
    run("git", "add", "-A")
    result = run(sys.executable, "-m", "pre_commit", "try-repo", str(clone), *hook_ids, "--ref", rev, "--all-files")
    output = result.stdout + result.stderr
    if result.returncode != 0 and any(sign in output for sign in OFFLINE):
        pytest.skip("pre-commit could not install the hook's dependencies (no package registry reachable)")
    assert result.returncode != 0, output
    assert "shop/reports.py:1:8: RS101" in output, output
