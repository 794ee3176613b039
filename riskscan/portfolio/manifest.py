"""The portfolio manifest (TOML): which repositories, who owns them, how critical they are, where their reports are.

    [portfolio]
    name = "Acme"                      # shown in the reports

    [defaults]                         # for every repository that does not say otherwise
    owner = "platform"
    criticality = "important"

    [[repository]]
    name = "helpdesk"
    owner = "support"
    criticality = "critical"           # critical | important | standard
    report = "reports/helpdesk.json"   # riskscan portfolio: its JSON report (or `history`)
    previous = "reports/helpdesk-2026-06.json"
    history = "reports/helpdesk-history.json"
    source = "https://git.example.com/acme/helpdesk.git"   # riskscan portfolio scan: a git URL or a folder
    ref = "main"
    link = "https://git.example.com/acme/helpdesk/blob/main/{path}#L{line}"

Every problem is reported at once with file, line and key, like the configuration file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import ConfigError
from ..ruleset import read_toml
from ..schema import Problem, Str, Table, Tables, locate

CRITICALITY = ("critical", "important", "standard")
_PATH_KEYS = ("report", "previous", "history")

SCHEMA = Table({
    "portfolio": Table({"name": Str()}),
    "defaults": Table({"owner": Str(), "criticality": Str(choices=CRITICALITY)}),
    "repository": Tables({
        "name": Str(required=True, allow_empty=False), "owner": Str(), "criticality": Str(choices=CRITICALITY),
        "report": Str(allow_empty=False), "previous": Str(allow_empty=False), "history": Str(allow_empty=False),
        "source": Str(allow_empty=False), "ref": Str(allow_empty=False), "link": Str(),
    }, required=True),
})


@dataclass(frozen=True)
class Entry:
    """One `[[repository]]` of the manifest, paths resolved against the manifest's folder."""

    name: str
    owner: str = ""
    criticality: str = ""  # "" = not assessed
    report: Optional[Path] = None
    previous: Optional[Path] = None
    history: Optional[Path] = None
    source: str = ""  # a git URL, or a folder (resolved)
    ref: str = ""
    link: str = ""


@dataclass
class Manifest:
    path: Path
    name: str = ""
    entries: list = field(default_factory=list)


def read_manifest(path: Path, need: str) -> Manifest:
    """The manifest at `path`; `need` is "report" (riskscan portfolio) or "source" (portfolio scan).

    Raises ConfigError listing every problem as `file:line: key: message`.
    """
    problems: list = []
    data, text = read_toml(Path(path), problems)
    if data is not None:
        found = SCHEMA.check(data, "") or _cross_checks(data, Path(path).parent, need)
        problems += [Problem(str(path), locate(text, key), key, message) for key, message in found]
    if problems:
        raise ConfigError("\n".join(str(p) for p in problems))
    return _manifest(Path(path), data)


def _cross_checks(data: dict, base: Path, need: str) -> list:
    """What the schema cannot say: unique names, something to read for each repository, files that exist."""
    found, seen = [], {}
    for index, repo in enumerate(data["repository"]):
        key = f"repository[{index}]"
        if repo["name"] in seen:
            found.append((f"{key}.name", f"{repo['name']!r} is already the name of repository[{seen[repo['name']]}]"))
        seen.setdefault(repo["name"], index)
        if need == "source" and "source" not in repo:
            found.append((f"{key}.source", "required key is missing (a git URL or a folder to scan)"))
        if need == "report" and not ({"report", "history"} & set(repo)):
            found.append((f"{key}.report", "required key is missing (the repository's JSON report, or its history)"))
        found += [(f"{key}.{name}", f"no such file: {repo[name]}") for name in _PATH_KEYS
                  if name in repo and (need == "report" or name != "report") and not (base / repo[name]).is_file()]
        if repo.get("link") and not _valid_link(repo["link"]):
            found.append((f"{key}.link", "may only use the placeholders {path} and {line}"))
    return found


def _valid_link(template: str) -> bool:
    try:
        template.format(path="p", line=1)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def _manifest(path: Path, data: dict) -> Manifest:
    base, defaults = path.parent, data.get("defaults", {})
    entries = []
    for repo in data["repository"]:
        files = {name: base / repo[name] for name in _PATH_KEYS if name in repo}
        entries.append(Entry(
            name=repo["name"], owner=repo.get("owner", defaults.get("owner", "")),
            criticality=repo.get("criticality", defaults.get("criticality", "")), **files,
            source=_source(repo.get("source", ""), base), ref=repo.get("ref", ""), link=repo.get("link", ""),
        ))
    return Manifest(path, data.get("portfolio", {}).get("name", ""), entries)


def _source(source: str, base: Path) -> str:
    """A git URL as written; a folder relative to the manifest."""
    from .sources import is_remote

    return source if not source or is_remote(source) else str(base / source)
