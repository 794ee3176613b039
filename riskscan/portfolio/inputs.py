"""The portfolio's inputs: JSON reports, history files, folders of them, or a manifest; versions checked here.

A per-repository report of schema 1.x is read (fields added later are read with `.get()`); any
other schema, or a file that is not a riskscan report, is refused with the reason (exit 2). A
report written by another riskscan version is read, with a note: its figures follow that
version's rules.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .. import __version__
from ..errors import UsageError
from .facts import repo_facts
from .manifest import Manifest, read_manifest

REPORT_SCHEMA = "1"  # major version of the per-repository JSON report this riskscan reads
HISTORY_KIND = "riskscan-history"
PORTFOLIO_KIND = "riskscan-portfolio"
HISTORY_SCHEMA = "1"


@dataclass
class Member:
    """One repository of the portfolio: its current facts and what it can be compared with."""

    name: str
    facts: Optional[dict] = None  # None: no report (its scan failed; `error` says why)
    owner: str = ""
    criticality: str = ""  # critical | important | standard; "" = not assessed
    source: str = ""  # the report file, or what was scanned
    link: str = ""  # evidence link template ({path}, {line})
    previous: Optional[dict] = None  # facts of an earlier report
    history: list = field(default_factory=list)  # history points (date, commit, compact facts), oldest first
    error: str = ""
    notes: list = field(default_factory=list)


def read_inputs(paths) -> tuple:
    """(portfolio name, [Member]) from report files, history files, folders and manifests."""
    if not paths:
        raise UsageError("give JSON reports, history files, folders of them, or a manifest (.toml)")
    name, members = "", []
    for path in map(Path, paths):
        if path.suffix == ".toml" and path.is_file():
            manifest = read_manifest(path, need="report")
            name = name or manifest.name
            members += members_of(manifest)
        elif path.is_dir():
            members += _folder(path)
        elif path.is_file():
            members.append(_member(path, load(path, explicit=True)))
        else:
            raise UsageError(f"no such file or folder: {path}")
    return name, merge(members)


def members_of(manifest: Manifest) -> list:
    return [member_of(e, load(e.report, explicit=True, kinds=("report",)) if e.report else None, str(e.report or ""))
            for e in manifest.entries]


def member_of(entry, report: Optional[dict], source: str, error: str = "") -> Member:
    """A manifest entry (or a scanned repository) with its report, its history and its previous report."""
    member = Member(entry.name, owner=entry.owner, criticality=entry.criticality, link=entry.link, source=source,
                    error=error)
    if entry.history:
        _add_history(member, load(entry.history, explicit=True, kinds=(HISTORY_KIND,)), entry.history)
    if report is not None:
        _set_report(member, report, source)
    if entry.previous:
        member.previous = repo_facts(load(entry.previous, explicit=True, kinds=("report",)))
    if error:
        member.facts = None  # a failed scan is reported as failed, not replaced by an older state
    return member


def _folder(folder: Path) -> list:
    """Every riskscan report or history under `folder`; other JSON files are left alone."""
    members = []
    for path in sorted(folder.rglob("*.json")):
        data = load(path, explicit=False)
        if data is not None:
            members.append(_member(path, data))
    if not members:
        raise UsageError(f"no riskscan JSON report or history found in {folder}")
    return members


def _member(path: Path, data: dict) -> Member:
    if data.get("kind") == HISTORY_KIND:
        member = Member(data.get("repository") or path.stem)
        _add_history(member, data, path)
        return member
    member = Member(data.get("root") or path.stem)
    _set_report(member, data, path)
    return member


def _set_report(member: Member, data: dict, source) -> None:
    member.facts, member.source, member.error = repo_facts(data), str(source), ""
    member.notes += _version_notes(data, source)


def _add_history(member: Member, data: dict, path: Path) -> None:
    """A history gives the trend, and its newest commit's facts unless a report is also given."""
    member.history = list(data.get("points") or [])
    if member.facts is None and data.get("latest"):
        member.facts, member.source = data["latest"], member.source or str(path)
    elif member.facts is None:
        member.error, member.source = f"{path}: this history scanned no commit", member.source or str(path)


def load(path: Path, explicit: bool, kinds=("report", HISTORY_KIND)) -> Optional[dict]:
    """A report or history as a dict. A file named on the command line (`explicit`) must be one of
    `kinds`; in a folder, JSON that is no riskscan report is skipped (None), but an unreadable or
    unsupported riskscan file is still an error."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        if not explicit and isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
            return None
        raise UsageError(f"cannot read {path}: {exc}") from None
    kind = kind_of(data)
    if kind is None or kind == PORTFOLIO_KIND or kind not in kinds:
        if not explicit:
            return None
        wanted = " or ".join("a riskscan history (riskscan history --format json)" if k == HISTORY_KIND
                             else "a riskscan JSON report (riskscan scan --format json)" for k in kinds)
        raise UsageError(f"{path} is not {wanted}")
    _check_schema(data, kind, path)
    return data


def kind_of(data) -> Optional[str]:
    if not isinstance(data, dict):
        return None
    if data.get("kind") in (HISTORY_KIND, PORTFOLIO_KIND):
        return data["kind"]
    return "report" if "schema_version" in data and isinstance(data.get("findings"), list) else None


def _check_schema(data: dict, kind: str, path: Path) -> None:
    version = str(data.get("schema_version", ""))
    supported = HISTORY_SCHEMA if kind == HISTORY_KIND else REPORT_SCHEMA
    if version.split(".")[0] != supported:
        what = "history" if kind == HISTORY_KIND else "JSON report"
        raise UsageError(f"{path}: {what} schema {version or '(none)'} is not supported: riskscan {__version__} reads "
                         f"schema {supported}.x; run that riskscan version's `portfolio`, or re-scan with this one")


def _version_notes(data: dict, path: Path) -> list:
    version = (data.get("tool") or {}).get("version", "")
    if version and version != __version__:
        return [f"{path} was written by riskscan {version} (this is {__version__}): its figures follow that version's rules"]
    return []


def merge(members: list) -> list:
    """One member per repository name: a history and a report of the same repository are combined;
    two reports of one repository are an error (name them in a manifest)."""
    by_name: dict = {}
    for member in members:
        other = by_name.get(member.name)
        if other is None:
            by_name[member.name] = member
        elif bool(other.history) != bool(member.history):
            report, history = (member, other) if other.history else (other, member)
            report.history = history.history
            by_name[member.name] = report
        else:
            raise UsageError(f"two inputs describe the repository {member.name!r} ({other.source}, {member.source}); "
                             "list them in a manifest with distinct names")
    return [by_name[name] for name in sorted(by_name)]
