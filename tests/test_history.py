"""`riskscan history`: a repository built here, whose commits add a second vendor, then a fallback."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import riskscan.api as api
from riskscan.api import ScanOptions
from riskscan.cli import main
from riskscan.history.git import Commit, select
from riskscan.history.run import history

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
AS_OF = "2026-11-23"

ONE_VENDOR = '''from fastapi import FastAPI
from openai import OpenAI

app = FastAPI()
client = OpenAI()


@app.post("/chat")
def chat(q: str):
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])
'''
CLAUDE = '''import anthropic

_client = anthropic.Anthropic()


def summarize(text: str):
    return _client.messages.create(model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": text}])
'''
SECOND_VENDOR = CLAUDE + ONE_VENDOR + '''

@app.post("/summarize")
def summarize_route(text: str):
    return summarize(text)
'''
WITH_FALLBACK = SECOND_VENDOR.replace('''def chat(q: str):
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])''', '''def chat(q: str):
    try:
        return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])
    except Exception:
        return _client.messages.create(model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": q}])''')


def git(repo: Path, *args: str, when: str = "") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else None
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t", *args],
                          check=True, capture_output=True, text=True, env=env)
    return done.stdout.strip()


def commit(repo: Path, files: dict, message: str, when: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """(repository, [commit shas]): OpenAI; + Anthropic; docs only; + a fallback to Anthropic."""
    repo = tmp_path_factory.mktemp("history") / "shop"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = [commit(repo, {"app/__init__.py": "", "app/api.py": ONE_VENDOR}, "OpenAI chat", "2026-01-05T10:00:00+00:00"),
            commit(repo, {"app/api.py": SECOND_VENDOR, "app/util.py": "def clean(text):\n    return text.strip()\n"},
                   "Summaries with Claude", "2026-02-05T10:00:00+00:00"),
            commit(repo, {"README.md": "# shop\n"}, "Docs", "2026-02-06T10:00:00+00:00"),
            commit(repo, {"app/api.py": WITH_FALLBACK}, "Chat falls back to Claude", "2026-03-05T10:00:00+00:00")]
    return repo, shas


def snapshot(folder: Path) -> dict:
    """Every file and folder under `folder` (the .git folder too) with its bytes and times."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        seen[str(path)] = (info.st_mode, info.st_size, info.st_mtime_ns,
                           hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None)
    return seen


@pytest.fixture(scope="module")
def trend(steps, tmp_path_factory):
    repo, _ = steps
    before = snapshot(repo)
    out = tmp_path_factory.mktemp("trend") / "history.json"
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "-o", str(out)]) == 0
    assert snapshot(repo) == before, "history wrote into the repository"
    return json.loads(out.read_text(encoding="utf-8"))


def test_each_step_shows_at_its_commit(steps, trend):
    _, shas = steps
    assert [p["commit"] for p in trend["points"]] == shas
    facts = [p["facts"] for p in trend["points"]]
    assert [sorted(v for v, row in f["suppliers"].items() if row["call_sites"]) for f in facts] == \
        [["openai"], ["anthropic", "openai"], ["anthropic", "openai"], ["anthropic", "openai"]]
    assert [(f["call_sites"], f["runtime"]) for f in facts] == [(1, 0), (2, 0), (2, 0), (2, 1)]
    assert facts[2] == facts[1]  # a commit that touches no file a scan reads changes nothing
    first = {s["id"]: s["first_seen"]["commit"] for s in trend["suppliers"]}
    assert first == {"openai": shas[0], "anthropic": shas[1]}
    steps_at = [(e["commit"], e["kind"], e.get("supplier")) for e in trend["events"] if e["kind"] != "grade"]
    assert steps_at == [(shas[0], "supplier_added", "openai"), (shas[1], "supplier_added", "anthropic"),
                        (shas[3], "plan_b_runtime", None)]
    assert trend["latest"]["runtime"] == 1 and trend["repository"] == "shop"


def test_markdown_and_html_show_the_trend(steps, tmp_path, capsys):
    repo, shas = steps
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "-o", str(tmp_path / "h.md"),
                 "-o", str(tmp_path / "h.html")]) == 0
    text = (tmp_path / "h.md").read_text(encoding="utf-8")
    assert f"`{shas[1][:12]}` (2026-02-05): Anthropic appears in production code" in text
    assert f"`{shas[3][:12]}` (2026-03-05): AI call sites with a plan B at run time: 0 → 1 of 2" in text
    page = (tmp_path / "h.html").read_text(encoding="utf-8")
    assert "<script" not in page and shas[3][:12] in page and page.count("<svg") >= 4


def test_since_and_every_choose_the_commits(steps, capsys):
    repo, shas = steps
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json", "--since", "2026-02-01"]) == 0
    assert [p["commit"] for p in json.loads(capsys.readouterr().out)["points"]] == shas[1:]
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json", "--every", "month"]) == 0
    assert [p["commit"] for p in json.loads(capsys.readouterr().out)["points"]] == [shas[0], shas[2], shas[3]]
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json", "--every", "2"]) == 0
    assert [p["commit"] for p in json.loads(capsys.readouterr().out)["points"]] == [shas[1], shas[3]]
    assert main(["history", str(repo), "--no-cache", "-q", "--every", "fortnight"]) == 2


def test_selection_keeps_the_newest_of_each_period():
    commits = [Commit(str(i), f"2026-0{m}-0{d}T10:00:00+00:00", "") for i, (m, d) in enumerate([(1, 1), (1, 5), (2, 3), (3, 1), (3, 2)])]
    assert [c.sha for c in select(commits, "month")] == ["1", "2", "4"]
    assert [c.sha for c in select(commits, "3")] == ["1", "4"]
    assert [c.sha for c in select(commits, "1")] == ["0", "1", "2", "3", "4"]


def test_an_unchanged_file_is_analysed_once_for_the_whole_history(steps, monkeypatch):
    repo, _ = steps
    analysed = []
    original = api.analyse_file

    def counting(source, *args, **kwargs):
        analysed.append((source.relpath, hashlib.sha256(source.path.read_bytes()).hexdigest()))
        return original(source, *args, **kwargs)

    monkeypatch.setattr(api, "analyse_file", counting)
    history(repo, ScanOptions(jobs=1, as_of=date(2026, 11, 23)))
    assert len(analysed) == len(set(analysed))  # each version of each file once
    # app/__init__.py once although app/util.py joined its folder; app/api.py once per version (3)
    assert sorted(path for path, _ in analysed) == ["app/__init__.py", "app/api.py", "app/api.py", "app/api.py", "app/util.py"]


def test_a_folder_inside_the_repository_is_scanned_alone(tmp_path, capsys):
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"svc/app/api.py": ONE_VENDOR, "other/claude.py": CLAUDE}, "two services", "2026-01-05T10:00:00+00:00")
    assert main(["history", str(repo / "svc"), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["repository"] == "svc" and list(doc["latest"]["suppliers"]) == ["openai"]


def test_not_a_repository(tmp_path, capsys):
    assert main(["history", str(tmp_path), "--no-cache", "-q"]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err


def test_odd_file_names_and_removed_files(tmp_path, capsys):
    repo = tmp_path / "odd"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"a b/ünï code.py": CLAUDE, "x.py": ONE_VENDOR}, "odd names", "2026-01-05T10:00:00+00:00")
    git(repo, "rm", "-q", "x.py")
    git(repo, "commit", "-q", "-m", "drop OpenAI", when="2026-01-06T10:00:00+00:00")
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [sorted(p["facts"]["suppliers"]) for p in doc["points"]] == [["anthropic", "openai"], ["anthropic"]]
    assert [s["id"] for s in doc["suppliers"] if s["removed"]] == ["openai"]


def test_workers_analysing_ahead_give_the_same_history_as_one_process(tmp_path):
    repo = tmp_path / "long"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for day in range(1, 46):
        files = {f"app/m{day % 7}.py": f"def f{day}():\n    return {day}\n"}
        if day in (10, 30):
            files["app/llm.py"] = ONE_VENDOR if day == 10 else WITH_FALLBACK
        commit(repo, files, f"day {day}", (datetime(2026, 1, 1, 10, tzinfo=timezone.utc) + timedelta(days=day)).isoformat())
    options = ScanOptions(as_of=date(2026, 11, 23))
    assert history(repo, replace(options, jobs=2)) == history(repo, replace(options, jobs=1))


def test_portfolio_reads_histories_for_the_organisations_trend(steps, trend, tmp_path, capsys):
    path = tmp_path / "shop-history.json"
    path.write_text(json.dumps(trend), encoding="utf-8")
    assert main(["portfolio", str(path), "--format", "json", "-q"]) == 0
    org = json.loads(capsys.readouterr().out)
    assert org["repositories"][0]["name"] == "shop" and org["summary"]["call_sites"] == 2
    assert [(t["period"], t["call_sites"], t["suppliers"], t["runtime_share"]) for t in org["trend"]] == \
        [("2026-01", 1, 1, 0.0), ("2026-02", 2, 2, 0.0), ("2026-03", 2, 2, 0.5)]
    assert org["changes"][0]["suppliers_added"] == ["anthropic"]


def test_a_module_added_to_a_folder_leaves_its_neighbours_cached(tmp_path):
    """The cache key holds only the first-party names that shadow a vendor package: the only ones an
    analysis reads. A new `util.py` beside `api.py` must not make a new entry for `api.py`; a new
    `openai.py` (which shadows the SDK for its neighbours) must make one for every neighbour."""
    tree = tmp_path / "tree" / "app"
    tree.mkdir(parents=True)
    (tree / "api.py").write_text(ONE_VENDOR, encoding="utf-8")
    cache = tmp_path / "cache"

    def entries_after_a_scan() -> tuple:
        # one process per scan, as a user runs them (a process remembers the folders it has listed)
        done = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(tree.parent), "--cache-dir", str(cache), "-q",
                               "--format", "json", "--as-of", AS_OF], capture_output=True, text=True, cwd=ROOT, check=True)
        return json.loads(done.stdout), sqlite3.connect(cache / "cache.sqlite3").execute(
            "SELECT COUNT(*) FROM results").fetchone()[0]

    assert entries_after_a_scan()[1] == 1
    (tree / "util.py").write_text("def clean(text):\n    return text.strip()\n", encoding="utf-8")
    assert entries_after_a_scan()[1] == 2  # util.py only
    (tree / "openai.py").write_text("def OpenAI():\n    return None\n", encoding="utf-8")
    report, entries = entries_after_a_scan()
    assert entries == 5  # openai.py, and api.py and util.py again
    assert not [f for f in report["findings"] if f["vendor"] == "openai" and f["kind"] == "call"]  # now first-party


def test_a_file_that_becomes_a_link_and_back(tmp_path, capsys):
    """A link is written as a link (never through it), and a link replaced by a file is replaced, not followed."""
    repo = tmp_path / "links"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"app/real.py": CLAUDE, "app/alias.py": "X = 1\n"}, "file", "2026-01-05T10:00:00+00:00")
    (repo / "app" / "alias.py").unlink()
    (repo / "app" / "alias.py").symlink_to("real.py")
    commit(repo, {}, "link", "2026-01-06T10:00:00+00:00")
    (repo / "app" / "alias.py").unlink()
    commit(repo, {"app/alias.py": ONE_VENDOR}, "file again", "2026-01-07T10:00:00+00:00")
    assert main(["history", str(repo), "--as-of", AS_OF, "--no-cache", "-q", "--format", "json"]) == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert [p["facts"]["suppliers"]["anthropic"]["call_sites"] for p in points] == [1, 2, 1]  # the link scans its target
    assert [sorted(p["facts"]["suppliers"]) for p in points][-1] == ["anthropic", "openai"]
    assert (repo / "app" / "real.py").read_text(encoding="utf-8") == CLAUDE  # never written through the link


OPENAI_CHAT = '''from openai import OpenAI

client = OpenAI()


def ask(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": question}])
'''
ANTHROPIC_CHAT = CLAUDE
APP = '''from fastapi import FastAPI

from pkg.openai_chat import ask

app = FastAPI()


@app.get("/ask")
def route(q: str):
    return ask(q)
'''
TOOLS = "from helpers import shorten\nfrom pkg import ask, summarize\n\n\ndef run(text):\n    return ask(shorten(text)), summarize(text)\n"
HELPERS = OPENAI_CHAT.replace("def ask(question)", "def shorten(question)")


def cross_file_steps(repo: Path) -> list:
    """Commits whose changes alter what unchanged files mean: a module they import appears (and with
    it an import edge), a module that stops serving OpenAI (its importers' adapters go), a package
    that starts re-exporting an Anthropic module, a module that stops parsing, a module removed, a
    manifest, a commit that changes nothing a scan reads."""
    git(repo, "init", "-q", "-b", "main")
    steps = [
        {"pkg/__init__.py": "from .openai_chat import ask\n", "pkg/openai_chat.py": OPENAI_CHAT, "app.py": APP,
         "tools.py": TOOLS, "requirements.txt": "fastapi\n"},
        {"util.py": "def clean(text):\n    return text.strip()\n", "helpers.py": HELPERS},
        {"pkg/openai_chat.py": "def ask(question):\n    return question\n"},
        {"pkg/anthropic_chat.py": ANTHROPIC_CHAT, "pkg/__init__.py": "from .openai_chat import ask\nfrom .anthropic_chat import summarize\n"},
        {"pkg/openai_chat.py": OPENAI_CHAT, "requirements.txt": "fastapi\nopenai>=1\nanthropic\n"},
        {"pkg/anthropic_chat.py": "def summarize(:\n"},
        {"util.py": None, "pkg/anthropic_chat.py": ANTHROPIC_CHAT},
        {"README.md": "# tools\n"},
    ]
    for day, files in enumerate(steps, 1):
        for name, text in files.items():
            if text is None:
                (repo / name).unlink()
            else:
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"step {day}", when=f"2026-01-{day:02d}T10:00:00+00:00")
    return git(repo, "log", "--format=%H", "--reverse").split()


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_commit_reports_what_a_fresh_scan_of_its_tree_reports(tmp_path, monkeypatch, jobs):
    """What history keeps from commit to commit (results, and what later passes derive from each
    file) never changes a commit's report: each one equals a scan of that commit checked out alone."""
    import riskscan.history.run as run
    from riskscan.render.json_report import report_dict

    repo = tmp_path / "tools"
    repo.mkdir()
    shas = cross_file_steps(repo)
    seen = []
    monkeypatch.setattr(run, "report_dict", lambda report: seen.append(report_dict(report)) or seen[-1])
    options = ScanOptions(as_of=date(2026, 11, 23), jobs=jobs)
    history(repo, options)
    assert len(seen) == len(shas) - 1  # the last commit changes nothing a scan reads: its figures are reused
    for number, (sha, reported) in enumerate(zip(shas, seen)):
        alone = tmp_path / "checkouts" / str(number) / "tools"
        alone.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(repo), "archive", sha], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(alone)], input=archive, check=True)
        assert reported == report_dict(api.scan(alone, replace(options, jobs=1))), f"step {number + 1}"
    adapters = [sorted((f["path"], f["vendor"]) for f in r["findings"] if f.get("framework") == "first-party") for r in seen]
    assert adapters[0] == [("app.py", "openai"), ("tools.py", "openai")]
    assert adapters[2] == []  # pkg/openai_chat.py serves no one any more: its unchanged importers lose their adapters
    assert ("tools.py", "anthropic") in adapters[3]  # the package re-exports an Anthropic module now
    assert ("tools.py", "anthropic") not in adapters[5]  # that module no longer parses
