"""Stage 1: find the files to scan under a root, honouring .gitignore, excludes and vendored folders."""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from . import globs
from .errors import UsageError

SOURCE_SUFFIXES = (".py", ".ipynb")
SCOPES = ("prod", "test", "example")  # what scope_for answers
# Folders that hold someone else's code or generated output, never the project's own.
SKIP_DIRS = {
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "site-packages", "dist-packages",
    "node_modules", "build", "dist", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    ".ipynb_checkpoints", ".idea", ".vscode", "__pypackages__", ".direnv", "htmlcov",
}
TEST_GLOBS = ("tests/**", "test/**", "**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "test_*.py", "*_test.py", "**/conftest.py", "conftest.py", "**/testing/**")
EXAMPLE_GLOBS = (
    "examples/**", "example/**", "**/examples/**", "**/example/**", "docs/**", "doc/**", "**/docs/**",
    "cookbook/**", "cookbooks/**", "**/cookbook/**", "**/cookbooks/**", "samples/**", "**/samples/**",
    "demo/**", "demos/**", "**/demos/**", "**/demo/**", "tutorials/**", "**/tutorials/**", "notebooks/**", "**/notebooks/**",
)


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    relpath: str  # POSIX, relative to the scan root, exactly as the file system spells it (the file's key;
    # two names must never become one: renderers escape control characters and undecodable bytes when they print)
    scope: str
    problem: str = ""  # why it cannot be scanned (reported as skipped), found while walking the tree


def scope_for(relpath: str, test_globs=TEST_GLOBS, example_globs=EXAMPLE_GLOBS) -> str:
    """prod, test or example, from path conventions (tests win over examples); globs use gitignore syntax."""
    if globs.matches(_spec(tuple(test_globs)), relpath):
        return "test"
    if globs.matches(_spec(tuple(example_globs)), relpath):
        return "example"
    return "prod"


@lru_cache(maxsize=32)
def _spec(patterns: tuple):
    return globs.spec(patterns)


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file() or (directory / "conda-meta").is_dir()


def gitignore_spec(directory: Path):
    """The spec of a folder's own .gitignore, or None (discovery, and the run memo signing a tree)."""
    try:
        text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return globs.spec(text.splitlines())


def discover(root: Path, excludes=(), test_globs=TEST_GLOBS, example_globs=EXAMPLE_GLOBS,
             use_gitignore: bool = True, follow_symlinks: bool = False) -> Iterator[SourceFile]:
    """Yield the project's Python and notebook files in a stable order.

    Symlinked folders are not followed (no loops, nothing outside the root), and a symlinked
    file is scanned only when it resolves inside the root. A folder that cannot be listed and a
    symlink that leads out of the root come back with a `problem`, so that every file the user
    may expect is either scanned or reported as skipped with its reason.
    """
    root = root.resolve()
    if root.is_file():
        if not root.name.endswith(SOURCE_SUFFIXES) and not _python_script(root):
            raise UsageError(f"{root.name} is not a Python file: riskscan reads *.py files and the code cells of "
                             "*.ipynb notebooks (give a folder to scan a whole repository)")
        yield SourceFile(root, root.name, scope_for(root.name, test_globs, example_globs))
        return
    exclude = globs.spec(excludes) if excludes else None
    ignores: list = []  # (relative dir, spec) from .gitignore files
    unlisted: list = []  # OSErrors of folders os.walk could not list
    for current, dirnames, filenames in os.walk(root, onerror=unlisted.append, followlinks=follow_symlinks):
        here = Path(current)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if use_gitignore:
            spec = gitignore_spec(here)
            if spec is not None:
                ignores.append((rel_dir, spec))
        kept = []
        for name in sorted(dirnames):
            child = here / name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name in SKIP_DIRS or name.endswith(".egg-info") or _is_virtualenv(child):
                continue
            if child.is_symlink() and not follow_symlinks:
                continue
            if ignored(rel + "/", ignores, exclude):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = here / name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if ignored(rel, ignores, exclude):
                continue
            outside = path.is_symlink() and not _inside(path, root)
            yield SourceFile(path, rel, scope_for(rel, test_globs, example_globs),
                             "symlink to a file outside the scanned folder (not followed)" if outside else "")
    for error in unlisted:
        yield _unlisted_folder(error, root, test_globs, example_globs)


def _python_script(path: Path) -> bool:
    """An executable script without a suffix (`bin/tool`) whose first line runs Python."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(200)
    except OSError:
        return True  # reading it will report why it cannot be read
    return first.startswith(b"#!") and b"python" in first


def _unlisted_folder(error: OSError, root: Path, test_globs, example_globs) -> SourceFile:
    folder = Path(error.filename)
    rel = folder.relative_to(root).as_posix() + "/" if folder != root else "./"
    return SourceFile(folder, rel, scope_for(rel, test_globs, example_globs),
                      f"cannot read folder: {error.strerror or type(error).__name__}")


def ignored(rel: str, ignores: list, exclude) -> bool:
    """Whether `rel` (a folder ends in "/") is excluded, or ignored by a .gitignore above it: `ignores`
    holds (folder, spec) of the .gitignore files met so far."""
    if exclude is not None and globs.matches(exclude, rel):
        return True
    for base, spec in ignores:
        if base and not rel.startswith(base + "/"):
            continue
        if globs.matches(spec, rel[len(base) + 1:] if base else rel):
            return True
    return False


def _inside(path: Path, root: Path) -> bool:
    """Whether a symlink ends inside root; a loop counts as inside (reading it reports the loop)."""
    try:
        Path(os.path.realpath(path)).relative_to(root)
        return True
    except (ValueError, OSError):
        return False


def first_party_names(files: list) -> frozenset:
    """Top-level module names the project itself defines: a local `openai.py` shadows the SDK.
    (`llama_index/llms/openai/` inside a sub-project defines `llama_index`, not `openai`.)"""
    names = set()
    roots = _ImportRoots()
    for source in files:
        parts = PurePosixPath(source.relpath).parts
        below = roots.relpath(source)
        top = package_top(source.path.parent)
        if below is not None:
            names.add(PurePosixPath(below).parts[0].removesuffix(".py"))
        elif top is not None:
            names.add(top.name)
        elif len(parts) == 1 or (len(parts) == 2 and parts[0] == "src"):
            names.add(PurePosixPath(parts[-1]).stem)
    return frozenset(names)


PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def dotted_module(relpath: str) -> str:
    """The module a file is imported as, from its path below an import root (a sys.path entry):
    `llama_index/llms/openai/base.py` -> `llama_index.llms.openai.base`, a package's `__init__.py`
    is the package. The one naming of scans (for sub-projects) and of `riskscan learn`."""
    parts = list(PurePosixPath(relpath).with_suffix("").parts)
    if parts and parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


class _ImportRoots:
    """The import roots of a scan's files: a folder below the scan root that holds a project file
    (pyproject.toml, setup.py, setup.cfg) is a sys.path entry of its own, its `src/` instead when
    the file is inside it. Remembered per folder for one listing of files."""

    def __init__(self):
        self.known: dict = {}

    def relpath(self, source) -> Optional[str]:
        """The file's path below its sub-project's import root, or None when it is in no sub-project."""
        parts = PurePosixPath(source.relpath).parts
        if len(parts) < 2 or not source.relpath.endswith(".py"):
            return None
        scan_root = source.path.parents[len(parts) - 1]
        for depth in range(len(parts) - 1, 0, -1):
            if self._is_project(scan_root.joinpath(*parts[:depth])):
                below = parts[depth:]
                inside_src = len(below) > 1 and below[0] == "src" and self._is_folder(scan_root.joinpath(*parts[:depth + 1]))
                return "/".join(below[1:] if inside_src else below)
        return None

    def _is_project(self, folder: Path) -> bool:
        if folder not in self.known:
            self.known[folder] = any((folder / name).is_file() for name in PROJECT_FILES)
        return self.known[folder]

    @staticmethod
    def _is_folder(folder: Path) -> bool:
        return folder.is_dir()


_FOLDERS: ContextVar = ContextVar("riskscan_folders", default=None)  # (question, folder) -> answer, within one scan


@contextmanager
def folders_once():
    """Within this block (one scan's view of its tree), each folder's answers below are looked up
    once; outside it, every call asks the file system, so a process that scans, lets the tree
    change and scans again never gets an answer of the old tree."""
    if _FOLDERS.get() is not None:  # inside a scan's block already
        yield
        return
    token = _FOLDERS.set({})
    try:
        yield
    finally:
        _FOLDERS.reset(token)


def _once(question: str, directory: Path, answer):
    known = _FOLDERS.get()
    if known is None:
        return answer()
    try:
        return known[question, directory]
    except KeyError:
        found = known[question, directory] = answer()
        return found


def is_package(directory: Path) -> bool:
    return _once("package", directory, lambda: (directory / "__init__.py").exists())


def package_top(directory: Path) -> Optional[Path]:
    """The outermost package folder that contains `directory`, or None when it is no package."""
    return _once("top", directory, lambda: (package_top(directory.parent) or directory) if is_package(directory) else None)


def sibling_modules(directory: Path) -> frozenset:
    """Modules beside a script in a folder that is not a package (`import x` finds them first)."""
    return _once("siblings", directory, lambda: frozenset() if is_package(directory) else _modules_in(directory))


def _modules_in(directory: Path) -> frozenset:
    try:
        return frozenset(
            p.stem if p.suffix == ".py" else p.name
            for p in directory.iterdir()
            if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())
        )
    except OSError:
        return frozenset()


def module_names(files: list) -> dict:
    """relpath -> dotted module name, for flat, src/ and monorepo layouts and namespace packages.

    A file of a sub-project (a folder below the root with its own pyproject.toml, setup.py or
    setup.cfg) is named from that import root, PEP 420 namespace folders included
    (`libs/llms/openai/llama_index/llms/openai/base.py` is `llama_index.llms.openai.base`).
    Elsewhere a file inside a package chain is named from its outermost package, and other files
    by their path from the root without a leading `src/` (namespace packages and scripts).
    """
    names = {}
    roots = _ImportRoots()
    for source in files:
        if not source.relpath.endswith(".py"):
            names[source.relpath] = source.relpath.replace("/", ".").rsplit(".", 1)[0]
            continue
        path = PurePosixPath(source.relpath)
        below = roots.relpath(source)
        top = package_top(source.path.parent)
        if below is not None:
            names[source.relpath] = dotted_module(below)
            continue
        if top is not None:
            depth = len(source.path.parent.relative_to(top).parts) + 1
            parts = list(path.parent.parts)[-depth:] + ([] if path.stem == "__init__" else [path.stem])
        else:
            stem_parts = list(path.parent.parts) + ([] if path.stem == "__init__" else [path.stem])
            parts = stem_parts[1:] if stem_parts and stem_parts[0] == "src" else stem_parts
        names[source.relpath] = ".".join(parts) or path.stem
    return _notebooks_apart(names)


def _notebooks_apart(names: dict) -> dict:
    """A notebook is never imported: beside `demo.py`, `demo.ipynb` keeps a name of its own
    (`nb.demo.ipynb`), so neither hides the other's entry point and call sites."""
    taken = {name for path, name in names.items() if path.endswith(".py")}
    return {path: f"{name}.ipynb" if path.endswith(".ipynb") and name in taken else name for path, name in names.items()}


def absolute_module(module: str, level: int, package: Optional[str]) -> Optional[str]:
    """`from ..x import y` inside package `a.b.c` -> `a.b.x`; None when the import climbs above the top.

    The one place relative imports are resolved: the extractor, the call-graph structure, the
    graph and the attribution passes all ask here.
    """
    if not level:
        return module
    if package is None:
        return None
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([module] if module else [])) or None
