"""`riskscan portfolio` and `portfolio scan` end to end on fixtures/portfolio: every organisation figure of its EXPECTED.md."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest

from riskscan.cli import main
from riskscan.portfolio.aggregate import organisation
from riskscan.portfolio.facts import repo_facts
from riskscan.portfolio.inputs import Member

from conftest import FIXTURES, markdown_table

PORTFOLIO = FIXTURES / "portfolio"
EXPECTED = PORTFOLIO / "EXPECTED.md"
AS_OF = "2026-11-23"


def run(capsys, *args) -> tuple:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One portfolio scan of the manifest, every output written, and each repository's report kept."""
    out = tmp_path_factory.mktemp("portfolio")
    code = main(["portfolio", "scan", str(PORTFOLIO / "portfolio.toml"), "--as-of", AS_OF, "--no-cache", "-q",
                 "--reports-dir", str(out / "reports"), "-o", str(out / "p.json"), "-o", str(out / "p.csv"),
                 "-o", str(out / "p.html"), "-o", str(out / "p.md")])
    assert code == 0
    org = json.loads((out / "p.json").read_text(encoding="utf-8"))
    facts = {p.stem: repo_facts(json.loads(p.read_text(encoding="utf-8"))) for p in (out / "reports").glob("*.json")}
    return {"dir": out, "org": org, "facts": facts}


def test_the_fixture_has_five_or_more_repositories_of_each_kind():
    stories = {row[0] for row in markdown_table(EXPECTED, "Repositories")}
    assert len(stories) >= 5 and {"helpdesk", "pricing", "textkit"} <= stories
    assert all((PORTFOLIO / "repos" / name).is_dir() for name in stories)


def test_each_report_says_what_the_repository_table_says(scanned):
    rows = {r["name"]: r for r in scanned["org"]["repositories"]}
    for name, owner, criticality, grade, risk, entries, ai_entries in markdown_table(EXPECTED, "Repositories"):
        row, facts = rows[name], scanned["facts"][name]
        assert (row["owner"], row["criticality"], row["grade"], row["risk"]) == (owner, criticality, grade, float(risk)), name
        assert (facts["entry_points"], facts["entry_points_ai"]) == (int(entries), int(ai_entries)), name


def test_each_supplier_of_each_repository_is_what_the_table_says(scanned):
    seen = set()
    for repo, vendor, sites, runtime, config, reach, stop, lock_in, sb in markdown_table(EXPECTED, "Suppliers of each repository"):
        row = scanned["facts"][repo]["suppliers"][vendor]
        assert (row["call_sites"], row["runtime"], row["config"], row["reach"], len(row["stops"])) == \
            (int(sites), int(runtime), int(config), float(reach), int(stop)), (repo, vendor)
        assert (row["lock_in"], row["substitutability"]) == (float(lock_in), sb), (repo, vendor)
        seen.add((repo, vendor))
    assert seen == {(repo, vendor) for repo, f in scanned["facts"].items() for vendor in f["suppliers"]}


def test_organisation_figures(scanned):
    org = scanned["org"]
    s, c, b = org["summary"], org["concentration"], org["plan_b"]
    found = {
        "repositories": s["repositories"], "repositories using AI": s["with_ai"], "suppliers": s["suppliers"],
        "call sites": s["call_sites"], "entry points": s["entry_points"], "entry points using AI": s["entry_points_ai"],
        "HHI by call sites": c["by_call_sites"]["hhi"], "band by call sites": c["by_call_sites"]["band"],
        "HHI by entry points": c["by_entry_points"]["hhi"], "band by entry points": c["by_entry_points"]["band"],
        "plan B at run time": b["runtime"], "plan B by configuration": b["config"], "no plan B": b["none"],
        "runtime share": b["runtime_share"], "config share": b["config_share"], "lock-in": org["lock_in"],
    }
    expected = {figure: value for figure, value, _ in markdown_table(EXPECTED, "Organisation")}
    assert set(found) == set(expected)
    for figure, value in found.items():
        assert str(value) == expected[figure], figure


def test_if_a_supplier_fails(scanned):
    suppliers = {row["id"]: row for row in scanned["org"]["suppliers"]}
    table = markdown_table(EXPECTED, "If a supplier fails")
    assert [row[0] for row in table] == [row["id"] for row in scanned["org"]["suppliers"]]  # the order too
    for vendor, sites, share, reach, share_reach, stop, repos, down, repos_down, unknown, lock_in, sb in table:
        row, fails = suppliers[vendor], suppliers[vendor]["if_fails"]
        assert (row["call_sites"], row["share_call_sites"], row["reach"], row["share_entry_points"]) == \
            (int(sites), float(share), float(reach), float(share_reach)), vendor
        assert (fails["entry_points_stop"], fails["entry_points_down_after_switch"]) == (int(stop), int(down)), vendor
        assert fails["repositories_stop"] == _names(repos) and fails["repositories_down_after_switch"] == _names(repos_down)
        assert fails["repositories_not_resolved"] == _names(unknown), vendor
        assert (row["lock_in"], row["substitutability"]) == (float(lock_in), sb), vendor


def _names(cell: str) -> list:
    return [name.strip() for name in cell.split(",") if name.strip()]


def test_retirement_calendar_worst_grades_and_changes(scanned):
    org = scanned["org"]
    assert [(r["model"], r["retire_date"], r["days_left"], [x["name"] for x in r["repositories"]]) for r in org["retirements"]] == \
        [(model, when, int(days), _names(repos)) for model, when, days, repos in markdown_table(EXPECTED, "Model retirement calendar")]
    assert [(w["name"], w["grade"], w["risk"]) for w in org["worst"]] == \
        [(name, grade, float(risk)) for name, grade, risk in markdown_table(EXPECTED, "Worst grades")]
    assert [(c["name"], f"{c['grade_before']} → {c['grade_after']}", c["risk_change"], c["suppliers_added"], c["suppliers_removed"])
            for c in org["changes"]] == \
        [(name, grade, float(change), _names(added), _names(removed))
         for name, grade, change, added, removed in markdown_table(EXPECTED, "Biggest changes")]


def test_register_export_is_one_row_per_repository_and_supplier(scanned):
    rows = list(csv.DictReader(io.StringIO((scanned["dir"] / "p.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(markdown_table(EXPECTED, "Suppliers of each repository")) == 9
    helpdesk = next(r for r in rows if (r["repository"], r["supplier_id"]) == ("helpdesk", "openai"))
    assert helpdesk["criticality"] == "critical" and helpdesk["substitutability"] == "SB_1"
    assert helpdesk["functions_supported"].startswith("chat (") and helpdesk["function_count"] == "2"
    assert helpdesk["alternative_providers_identified"] == "yes" and helpdesk["alternative_providers"] == "anthropic"
    assert helpdesk["impact_of_discontinuing"] == "1 of 3 functions stop"
    assert helpdesk["evidence"] == "helpdesk/llm.py:13; helpdesk/llm.py:22"
    assert helpdesk["evidence_link"].startswith("https://git.example.com/acme/helpdesk/blob/main/helpdesk/llm.py#L13")
    textkit = next(r for r in rows if (r["repository"], r["supplier_id"]) == ("textkit", "cohere"))
    assert textkit["impact_of_discontinuing"].startswith("not resolved")
    pricing = next(r for r in rows if (r["repository"], r["supplier_id"]) == ("pricing", "mistral"))
    assert (pricing["alternative_providers"], pricing["plan_b_config"]) == ("openai", "1")
    assert pricing["impact_of_discontinuing"] == "2 of 2 functions stop; 0 stay down after switching by configuration"


def test_html_and_markdown_say_the_same_figures(scanned):
    page = (scanned["dir"] / "p.html").read_text(encoding="utf-8")
    assert "<script" not in page and "default-src 'none'" in page
    for phrase in ("AI supplier risk across Acme (fixture)", "3,200", "3,400", "Register of information",
                   "If OpenAI failed, 4 of our 10 entry points would stop, in 3 of 6 repositories"):
        assert phrase in page
    assert page.count('class="page"') >= 7  # one page per question when printed
    text = (scanned["dir"] / "p.md").read_text(encoding="utf-8")
    assert "| 3,200 (high) | 3,400 (high) | 10% | 20% | 29/100 |" in text


def test_aggregating_the_kept_reports_gives_the_same_figures(scanned, capsys):
    code, out, _ = run(capsys, "portfolio", str(scanned["dir"] / "reports"), "--format", "json", "-q")
    again = json.loads(out)
    assert code == 0
    for key in ("summary", "concentration", "plan_b", "suppliers", "retirements", "lock_in"):
        assert again[key] == scanned["org"][key], key


# --- inputs, versions and the manifest ----------------------------------------------------------

def _report(tmp_path, name="repo.json", **changes):
    data = json.loads((PORTFOLIO / "previous" / "helpdesk.json").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_report_of_another_schema_is_refused_with_the_reason(tmp_path, capsys):
    code, _, err = run(capsys, "portfolio", str(_report(tmp_path, schema_version="2.0")))
    assert code == 2 and "schema 2.0 is not supported" in err and "Traceback" not in err


def test_a_report_of_another_riskscan_version_is_read_with_a_note(tmp_path, capsys):
    path = _report(tmp_path, tool={"name": "riskscan", "version": "0.0.9", "rules_version": "x"})
    code, out, err = run(capsys, "portfolio", str(path), "--format", "json")
    assert code == 0 and "written by riskscan 0.0.9" in err
    assert any("0.0.9" in note for note in json.loads(out)["notes"])


def test_what_is_no_report(tmp_path, capsys):
    other = tmp_path / "package.json"
    other.write_text('{"name": "web"}', encoding="utf-8")
    code, _, err = run(capsys, "portfolio", str(other))
    assert code == 2 and "is not a riskscan JSON report" in err
    _report(tmp_path, name="helpdesk.json")  # in a folder, other JSON is left alone
    code, out, _ = run(capsys, "portfolio", str(tmp_path), "--format", "json", "-q")
    assert code == 0 and [r["name"] for r in json.loads(out)["repositories"]] == ["helpdesk"]
    code, _, err = run(capsys, "portfolio", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err


def test_manifest_problems_name_file_line_and_key(tmp_path, capsys):
    manifest = tmp_path / "portfolio.toml"
    manifest.write_text('[[repository]]\nname = "a"\nreport = "a.json"\ncriticality = "high"\n\n'
                        '[[repository]]\nname = "a"\nreprot = "b.json"\n', encoding="utf-8")
    code, _, err = run(capsys, "portfolio", str(manifest))
    assert code == 2
    assert f"{manifest}:4: repository[0].criticality: 'high' is not one of critical, important, standard" in err
    assert f"{manifest}:8: repository[1].reprot: unknown key (did you mean 'report'?)" in err
    manifest.write_text('[[repository]]\nname = "a"\nreport = "a.json"\n\n[[repository]]\nname = "a"\nreport = "a.json"\n',
                        encoding="utf-8")
    code, _, err = run(capsys, "portfolio", str(manifest))
    assert code == 2 and ":3: repository[0].report: no such file: a.json" in err and "repository[1].name: 'a' is already" in err
    manifest.write_text("[[repository]\n", encoding="utf-8")
    code, _, err = run(capsys, "portfolio", str(manifest))
    assert code == 2 and f"{manifest}:1: invalid TOML" in err


def test_reports_written_before_and_after_config_time_switches_read_alike():
    """The per-repository contract gains config-time fields (fallback_kind, switchable_to,
    switchable_vendors); without them nothing is switchable, with them it counts."""
    def report(marked: bool) -> dict:
        site = {"vendor": "openai", "kind": "call", "feature": "chat", "path": "a.py", "line": 3, "scope": "prod",
                "has_fallback": False, "fallback_target": False}
        if marked:
            site.update(fallback_kind="config", switchable_to=["mistral"])
        entry = {"name": "run", "path": "a.py", "line": 1, "scope": "prod", "vendors": ["openai"],
                 "unprotected_vendors": ["openai"], **({"switchable_vendors": ["openai"]} if marked else {})}
        return {"schema_version": "1.0", "root": "a", "scores": {"grade": "F", "risk": 80.0},
                "vendors": [{"id": "openai", "name": "OpenAI", "exposure": 1.0, "prod_findings": 1}],
                "entry_points": [entry], "findings": [site, dict(site, feature="client", line=2)]}
    before, after = repo_facts(report(False)), repo_facts(report(True))
    assert (before["config"], before["none"], after["config"], after["none"]) == (0, 1, 1, 0)
    assert after["suppliers"]["openai"]["alternatives"] == ["mistral"]
    assert (len(before["suppliers"]["openai"]["stays_down"]), len(after["suppliers"]["openai"]["stays_down"])) == (1, 0)
    org = organisation([Member("a", after)], __import__("datetime").date(2026, 11, 23))
    fails = org["suppliers"][0]["if_fails"]
    assert (org["plan_b"]["config_share"], fails["entry_points_stop"], fails["entry_points_down_after_switch"]) == (1.0, 1, 0)


def test_register_cells_never_run_as_spreadsheet_formulas():
    from riskscan.portfolio.register import render_csv

    facts = repo_facts({"schema_version": "1.0", "root": "x", "vendors": [{"id": "openai", "name": "=HYPERLINK(\"x\")"}],
                        "entry_points": [], "findings": []})
    rows = list(csv.reader(io.StringIO(render_csv([Member("-2+3", facts)]))))
    assert rows[1][0] == "'-2+3" and rows[1][4].startswith("'=HYPERLINK")


# --- portfolio scan: sources, failures, executors ------------------------------------------------

def _bare_clone(tmp_path, source) -> str:
    """A local repository reachable by a file:// URL: cloning it needs no network."""
    work, bare = tmp_path / "work", tmp_path / "helpdesk.git"
    shutil.copytree(source, work)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "initial"]):
        subprocess.run(["git", "-C", str(work), *args], check=True, capture_output=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, capture_output=True)
    return bare.as_uri()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_urls_are_cloned_shallow_and_one_failure_loses_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    url = _bare_clone(tmp_path, PORTFOLIO / "repos" / "helpdesk")
    code, out, err = run(capsys, "portfolio", "scan", url, str(PORTFOLIO / "repos" / "search"), str(tmp_path / "gone"),
                         "https://user:s3cret@127.0.0.1:9/acme/private.git", "--as-of", AS_OF, "--no-cache",
                         "--format", "json", "-j", "2")
    org = json.loads(out)
    assert code == 0
    assert [r["name"] for r in org["repositories"] if "error" not in r] == ["helpdesk", "search"]
    failed = {f["name"]: f["error"] for f in org["failed"]}
    assert set(failed) == {"gone", "private"} and "no such folder" in failed["gone"]
    assert failed["private"].startswith("cannot clone https://") and "[REDACTED" in failed["private"]
    assert "s3cret" not in out + err
    assert org["summary"]["call_sites"] == 4  # helpdesk 2 + search 2, the failures left out
    assert list((tmp_path / "tmp").iterdir()) == []  # every clone removed


def _dask_cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install 'riskscan[dask]')")
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def test_dask_and_local_runs_give_identical_portfolios(tmp_path, capsys):
    manifest = str(PORTFOLIO / "portfolio.toml")
    args = ["portfolio", "scan", manifest, "--as-of", AS_OF, "--cache-dir", str(tmp_path / "cache"), "-q", "--format", "json"]
    code, local, _ = run(capsys, *args)
    assert code == 0
    with _dask_cluster() as cluster:
        code, remote, _ = run(capsys, *args, "--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert code == 0
    assert remote == local
    assert sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("worker-")) != []


def test_a_repository_that_fails_on_a_dask_worker_is_reported(tmp_path, capsys):
    with _dask_cluster() as cluster:
        code, out, _ = run(capsys, "portfolio", "scan", str(PORTFOLIO / "repos" / "search"), str(tmp_path / "gone"),
                           "--as-of", AS_OF, "--no-cache", "-q", "--format", "json",
                           "--executor", "dask", "--scheduler", cluster.scheduler_address)
    org = json.loads(out)
    assert code == 0 and [f["name"] for f in org["failed"]] == ["gone"] and org["summary"]["scanned"] == 1


def test_dask_without_a_scheduler_or_an_unreachable_one(capsys):
    code, _, err = run(capsys, "portfolio", "scan", str(PORTFOLIO / "repos" / "search"), "--executor", "dask")
    assert code == 2 and "--scheduler" in err
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    code, _, err = run(capsys, "portfolio", "scan", str(PORTFOLIO / "repos" / "search"), "--executor", "dask",
                       "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "cannot reach the Dask scheduler" in err
