"""Project configuration: find `riskscan.toml` or `[tool.riskscan]`, validate it, and turn it into option defaults."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Optional

from .errors import ConfigError
from .escape import printable
from .discover import SCOPES
from .schema import Bool, List, Map, Number, Problem, Str, Table, Tables, close_match, locate

CONFIG_FILE = "riskscan.toml"
PYPROJECT_SECTION = "tool.riskscan"
PROVIDER_ID = r"[a-z][a-z0-9_]*"

POLICY_SCHEMA = Table({
    "allowed_providers": List(Str(pattern=PROVIDER_ID)),
    "denied_providers": List(Str(pattern=PROVIDER_ID)),
    "gateway_modules": List(Str(allow_empty=False)),
    "require_fallback": Bool(),
    "max_hhi": Number(minimum=0, maximum=10_000),
    "max_blast_radius": Number(minimum=0, maximum=1),
    "no_secrets": Bool(),
    "no_retired_models": Bool(),
    "scopes": List(Str(choices=SCOPES)),
})

class _Target(Str):
    def check(self, value, key):
        problems = super().check(value, key)
        return [(key, f"{value!r} is not of the form 'package.module:function'")] if problems and isinstance(value, str) else problems


ENTRY_POINT_SCHEMA = {
    "target": _Target(required=True, pattern=r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*"),
    "name": Str(allow_empty=False),
    "kind": Str(allow_empty=False),
    "criticality": Number(minimum=0, maximum=1_000_000),
}

# Keys are the click parameter names where one exists (STYLE.md point 8), so the file and the
# command line speak the same words; `rules` and `gitignore` read better than their flags.
CONFIG_SCHEMA = Table({
    "exclude": List(Str(allow_empty=False)),
    "rules": List(Str(allow_empty=False)),
    "learn_env": Str(allow_empty=False),  # like --learn-from-env
    "gitignore": Bool(),
    "jobs": Number(minimum=1, maximum=100_000, integer=True),
    "max_file_size": Number(minimum=1, maximum=2**40, integer=True),
    "test_paths": List(Str(allow_empty=False)),
    "example_paths": List(Str(allow_empty=False)),
    "entry_points": Tables(ENTRY_POINT_SCHEMA),
    "criticality": Map(Number(minimum=0, maximum=1_000_000)),
    "baseline": Str(allow_empty=False),
    "policy": POLICY_SCHEMA,
})


@dataclass(frozen=True)
class Config:
    """A validated configuration and where it came from, so later checks can still name file and line."""

    data: dict = field(default_factory=dict)
    path: Optional[Path] = None  # None: no configuration file, built-in defaults
    text: str = ""
    prefix: str = ""  # "tool.riskscan" inside pyproject.toml, "" in riskscan.toml

    @property
    def base(self) -> Path:
        """Folder that relative paths in the file (rules, baseline) are resolved against."""
        return self.path.parent if self.path else Path(".")

    def error(self, key: str, message: str) -> ConfigError:
        """A ConfigError naming this file, the line of `key` and the full dotted key."""
        return config_error([(key, message)], self)

    def default_map(self, command: str = "check") -> dict:
        """click parameter name -> default value, for the options the file sets.

        `baseline` is the violations baseline of `check` only: `scan --baseline` means a previous report.
        """
        data, defaults = self.data, {}
        for key in ("exclude", "jobs", "max_file_size"):
            if key in data:
                defaults[key] = data[key]
        if "rules" in data:
            defaults["rule_dirs"] = [str(self.base / d) for d in data["rules"]]
        if "learn_env" in data:
            defaults["learn_env"] = str(self.base / data["learn_env"])
        if "gitignore" in data:
            defaults["no_gitignore"] = not data["gitignore"]
        if "baseline" in data and command == "check":
            defaults["baseline"] = str(self.base / data["baseline"])
        return defaults

    def unresolved_entry_points(self, report) -> list:
        """Warnings for configured entry points whose target is no function of the scanned code."""
        repo = report.graph
        if repo is None:
            return []
        resolved = {entry.detail for entry in repo.entry_points}
        found = [(f"entry_points[{index}].target", f"{entry['target']!r} is not a function of the scanned code; ignored")
                 for index, entry in enumerate(self.data.get("entry_points", ())) if entry["target"] not in resolved]
        return [str(problem) for problem in problems_at(found, self)]

    def scan_fields(self) -> dict:
        """ScanOptions fields that have no command-line option: scopes, entry points, criticality."""
        from .discover import EXAMPLE_GLOBS, TEST_GLOBS

        declared = tuple(
            (e["target"], e.get("name", ""), e.get("kind", "custom"), e.get("criticality"))
            for e in self.data.get("entry_points", ()))
        return {
            "test_globs": TEST_GLOBS + tuple(self.data.get("test_paths", ())),
            "example_globs": EXAMPLE_GLOBS + tuple(self.data.get("example_paths", ())),
            "entry_points": declared,
            "criticality": tuple((glob, float(weight)) for glob, weight in self.data.get("criticality", {}).items()),
        }


def find_config(start: Path) -> Optional[Path]:
    """`riskscan.toml`, else a pyproject.toml with a [tool.riskscan] table, in the scanned folder.

    Only the folder itself is searched (a file's own folder for a single file): settings written
    for one tree never leak into a scan of another tree below or beside it.
    """
    if not start.exists():
        return None  # the command reports the missing path itself
    folder = start if start.is_dir() else start.parent
    if (folder / CONFIG_FILE).is_file():
        return folder / CONFIG_FILE
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if re.search(r"^\s*\[+\s*tool\.riskscan\b", text, re.MULTILINE):
            return pyproject
    return None


def load_config(path: Optional[Path]) -> Config:
    """Read and validate one file; every problem is reported at once (ConfigError, exit 2)."""
    if path is None:
        return Config()
    from .ruleset import read_toml

    path = Path(path)
    problems: list = []
    data, text = read_toml(path, problems)
    if problems:
        raise ConfigError("\n".join(str(p) for p in problems))
    prefix = PYPROJECT_SECTION if path.name == "pyproject.toml" else ""
    for part in prefix.split(".") if prefix else ():
        data = data.get(part, {})
    if not isinstance(data, dict):
        raise config_error([("", f"[{prefix}] must be a table")], Config({}, path, text, prefix))
    config = Config(data, path, text, prefix)
    found = (_unprintable(data, "") + CONFIG_SCHEMA.check(data, "")) or _outside_project(data, path.parent)
    if not prefix and "tool" in data:
        found = [(k, m + "; riskscan.toml holds the settings at the top level, without [tool.riskscan]" if k == "tool" else m)
                 for k, m in found]
    if found:
        raise config_error([(key, message + _other_table(key, message, prefix)) for key, message in found], config)
    return config


def _outside_project(data: dict, folder: Path) -> list:
    """The file travels with a repository that may not be trusted, so the paths it names stay
    inside the folder that holds it: a baseline riskscan writes, and rule folders it reads (a
    rule file's values are quoted in error messages, which CI logs show). Symlinks are resolved
    first: `out/notes.txt` with `out` a link to elsewhere is outside."""
    found = []
    named = [("baseline", data.get("baseline"))] + [(f"rules[{i}]", v) for i, v in enumerate(data.get("rules") or ())]
    top = os.path.realpath(folder)
    for key, value in named:
        if not isinstance(value, str):
            continue
        target = os.path.realpath(os.path.join(top, value))
        if Path(value).is_absolute() or os.path.commonpath([top, target]) != top:
            found.append((key, f"{value!r} must be a path inside the project folder (no absolute path, no '..', "
                               "no symlink out of it)"))
    return found


def _unprintable(value, key: str) -> list:
    """Keys and text values with control or bidi characters: a configuration names things a report
    shows (entry point names and kinds), and no reader should have to see them raw."""
    found = []
    if isinstance(value, dict):
        for name, item in value.items():
            child = f"{key}.{name}" if key else str(name)
            found += [(child, "the key contains a control character")] if printable(name) != name else _unprintable(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _unprintable(item, f"{key}[{index}]")
    elif isinstance(value, str) and printable(value) != value:
        found.append((key, "contains a control character"))
    return found


def _other_table(key: str, message: str, prefix: str) -> str:
    """`max_hhi` written under [tool.riskscan] belongs in [tool.riskscan.policy], and `exclude`
    written under the policy belongs one level up: say where."""
    if not message.startswith("unknown key"):
        return ""
    name = key.rsplit(".", 1)[-1]
    tables = {"": CONFIG_SCHEMA.fields, "policy": POLICY_SCHEMA.fields}
    for table, fields in tables.items():
        if name in fields and key.rsplit(".", 1)[0] != table and not (table == "" and "." not in key):
            where = ".".join(filter(None, [prefix, table])) or "the top level"
            return f"; did you mean [{where}]? `{name}` belongs there" if where != "the top level" else \
                f"; `{name}` is a top-level setting: put it before the first [table]"
    return ""


def config_error(found: list, config: Config) -> ConfigError:
    problems = sorted(problems_at(found, config), key=lambda p: (p.line or 0, p.key))
    return ConfigError("\n".join(str(p) for p in problems))


def problems_at(found: list, config: Config) -> list:
    """(key relative to our section, message) -> Problems naming the file, the line and the full key."""
    view = section_view(config.text, config.prefix)
    problems = []
    for key, message in found:
        full = f"{config.prefix}.{key}" if config.prefix else key
        problems.append(Problem(str(config.path), _line_of(view, key), full, message))
    return problems


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]\s]+)\s*\]\]?")


def section_view(text: str, prefix: str) -> str:
    """The text with every line outside [prefix...] blanked and headers made relative to it.

    Line numbers stay the same, so `schema.locate` can find a key of our section in a
    pyproject.toml full of other tools' tables.
    """
    if not prefix:
        return text
    out, inside = [], False
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            opening, name = header.groups()
            inside = name == prefix or name.startswith(prefix + ".")
            relative = name[len(prefix) + 1:]
            out.append(f"{opening}{relative}{opening.replace('[', ']')}" if inside and relative else "")
            continue
        out.append(line if inside else "")
    return "\n".join(out)


def _line_of(view: str, key: str) -> Optional[int]:
    line = locate(view, key)
    if line is not None:
        return line
    # locate() finds bare assignments; a misspelt key may be a table header of its own, or quoted
    name = re.sub(r"\[\d+\]", "", key)
    quoted = re.compile(rf"""^\s*["']{re.escape(name.rsplit(".", 1)[-1])}["']\s*=""")
    for number, text in enumerate(view.splitlines(), 1):
        header = _HEADER.match(text)
        if (header and header.group(2) == name) or quoted.match(text):
            return number
    return None


def check_known(config: Config, key: str, values, known) -> None:
    """Raise a ConfigError for values (provider ids) that are not in `known`, with a close match."""
    found = []
    for index, value in enumerate(values):
        if value not in known:
            hint = close_match(value, known)
            found.append((f"{key}[{index}]", f"unknown provider {value!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                          + "; `riskscan rules` lists the ids"))
    if found:
        raise config_error(found, config)


def entry_weights(entry_points, declared=(), table=()) -> dict:
    """Entry point id -> criticality: declared entry points first, then the first matching glob, else 1.

    A glob matches the entry point's `path:name`, its path or its name, so `"api/**" = 3` and
    `"chat" = 5` both work.
    """
    by_target = {target: weight for target, _, _, weight in declared if weight is not None}
    weights = {}
    for entry in entry_points:
        weight = by_target.get(f"{entry.module}:{entry.function}")
        for glob, value in table:
            if weight is None and any(fnmatchcase(s, glob) for s in (f"{entry.path}:{entry.name}", entry.path, entry.name)):
                weight = value
        weights[entry.id] = 1.0 if weight is None else weight
    return weights
