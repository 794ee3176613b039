"""Which files make a distribution, and what it is called: from a source folder, a wheel, an sdist,
or the metadata of an installed distribution (`*.dist-info/RECORD`, `METADATA`).

Everything here reads files as data. Nothing is imported or executed: not the package, not its
`setup.py`, not the interpreter named by `--python`, whose site-packages folder is found from the
virtualenv's layout (`pyvenv.cfg`, `lib/pythonX.Y/site-packages`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from ..discover import discover
from ..errors import UsageError
from ..options import DEFAULT_MAX_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip")
_MAX_ARCHIVE_BYTES = 1 << 30  # an archive that unpacks to more Python than this is refused, not unpacked


@dataclass(frozen=True)
class Distribution:
    """The Python files of one distribution, named from the folder they are imported from."""

    name: str
    version: str
    root: Path  # the import root: a file's module name is its dotted path from here
    files: tuple  # POSIX paths of its .py files, relative to root
    content_hash: str  # "sha256:<hex>" of what it was read from
    source: str  # where it was read from, for the provenance of the rule file

    @property
    def id(self) -> str:
        """The rule file's id: the normalised distribution name (PEP 503, with underscores)."""
        return normalise(self.name)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


# ------------------------------------------------------------------ folders
def from_folder(folder: Path) -> Distribution:
    """A source tree (with `pyproject.toml`, a `src/` layout or top-level packages) or one package folder."""
    folder = folder.resolve()
    if (folder / "__init__.py").is_file():
        root, prefix, files = folder.parent, folder.name + "/", _prod_files(folder)
    elif (folder / "src").is_dir() and any((p / "__init__.py").is_file() for p in (folder / "src").iterdir()):
        root, prefix, files = folder / "src", "", _prod_files(folder / "src")
    else:
        root, prefix, files = folder, "", _prod_files(folder)
    relpaths = tuple(prefix + f for f in files)
    name, version = _project_metadata(folder)
    return Distribution(name, version, root, relpaths, _files_hash(root, relpaths), f"folder {folder.name}")


def _prod_files(folder: Path) -> list:
    """Production Python files (tests, examples and docs are not what a package offers its users)."""
    return [s.relpath for s in discover(folder) if s.scope == "prod" and s.relpath.endswith(".py") and not s.problem]


def _project_metadata(folder: Path) -> tuple:
    """(name, version) from pyproject.toml's [project] table, else the folder's name."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        project = {}
    name = project.get("name") if isinstance(project.get("name"), str) else folder.name
    version = project.get("version") if isinstance(project.get("version"), str) else "unknown"
    return name, version


def _files_hash(root: Path, relpaths) -> str:
    digest = hashlib.sha256()
    for relpath in sorted(relpaths):
        try:
            data = (root / relpath).read_bytes()
        except OSError:
            data = b""
        digest.update(relpath.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest())
    return "sha256:" + digest.hexdigest()


# ------------------------------------------------------------------ archives
def from_archive(path: Path, workdir: Path) -> Distribution:
    """A wheel or an sdist, unpacked (Python files and metadata only) into `workdir`."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    target = workdir / re.sub(r"[^A-Za-z0-9_.-]", "_", path.name)
    try:
        members = _zip_members(path) if path.suffix in (".whl", ".zip") else _tar_members(path)
        written = _unpack(members, target)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    content_hash = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    if path.suffix == ".whl":
        return _unpacked_wheel(path, target, written, content_hash)
    return _unpacked_sdist(path, target, written, content_hash)


def _zip_members(path: Path) -> Iterator:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir() and _wanted(info.filename) and info.file_size <= DEFAULT_MAX_BYTES:
                yield info.filename, archive.read(info)


def _tar_members(path: Path) -> Iterator:
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.isfile() and _wanted(member.name) and member.size <= DEFAULT_MAX_BYTES:
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read()


def _wanted(name: str) -> bool:
    return name.endswith((".py", "/METADATA", "/PKG-INFO", "/pyproject.toml")) or name in ("PKG-INFO", "pyproject.toml")


def _unpack(members, target: Path) -> list:
    """Write members below `target`; a name that would land outside it (absolute, `..`) is dropped."""
    written, total = [], 0
    for name, data in members:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
            continue
        total += len(data)
        if total > _MAX_ARCHIVE_BYTES:
            raise UsageError(f"refusing to unpack more than {_MAX_ARCHIVE_BYTES >> 20} MB of Python from one archive")
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        written.append("/".join(parts))
    return written


def _unpacked_wheel(path: Path, target: Path, written: list, content_hash: str) -> Distribution:
    metadata = next((w for w in written if w.endswith(".dist-info/METADATA") and w.count("/") == 1), None)
    name, version = read_metadata(target / metadata) if metadata else _name_from_filename(path.name)
    files = tuple(w for w in written if w.endswith(".py") and ".dist-info/" not in w and ".data/" not in w.split("/")[0] + "/")
    return Distribution(name, version, target, files, content_hash, f"wheel {path.name}")


def _unpacked_sdist(path: Path, target: Path, written: list, content_hash: str) -> Distribution:
    tops = {w.split("/")[0] for w in written}
    top = target / tops.pop() if len(tops) == 1 and all("/" in w for w in written) else target
    distribution = from_folder(top)
    name, version = distribution.name, distribution.version
    if (top / "PKG-INFO").is_file():
        name, version = read_metadata(top / "PKG-INFO")
    elif name == top.name:
        name, version = _name_from_filename(path.name)
    return Distribution(name, version, distribution.root, distribution.files, content_hash, f"sdist {path.name}")


def _name_from_filename(filename: str) -> tuple:
    stem = re.sub(r"(\.tar\.gz|\.tgz|\.zip|\.whl)$", "", filename)
    name, _, rest = stem.partition("-")
    return name, rest.split("-")[0] or "unknown"


def read_metadata(path: Path) -> tuple:
    """(Name, Version) from a METADATA or PKG-INFO file (RFC 822 headers; the body is not read)."""
    name = version = ""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                if key == "Name" and not name:
                    name = value.strip()
                elif key == "Version" and not version:
                    version = value.strip()
    except OSError:
        pass
    return name or path.parent.name.split("-")[0], version or "unknown"


# ------------------------------------------------------------------ installed distributions
def installed(site_packages: Path) -> list:
    """Every distribution installed in a site-packages folder (from its `*.dist-info` metadata)."""
    site_packages = Path(site_packages)
    if not site_packages.is_dir():
        raise UsageError(f"site-packages folder does not exist: {site_packages}")
    found = [from_dist_info(info, site_packages) for info in sorted(site_packages.glob("*.dist-info"))]
    return [d for d in found if d is not None]


def find_installed(site_packages: Path, name: str) -> Distribution:
    wanted = normalise(name)
    for distribution in installed(site_packages):
        if distribution.id == wanted:
            return distribution
    raise UsageError(f"{name!r} is neither a folder, a wheel or sdist file, nor a distribution installed in {site_packages}")


def from_dist_info(info: Path, site_packages: Path) -> Optional[Distribution]:
    """An installed distribution from its `*.dist-info` folder; None when it has no RECORD to trust."""
    name, version = read_metadata(info / "METADATA")
    try:
        record = (info / "RECORD").read_bytes()
    except OSError:
        return None  # not installed by an installer that records its files: nothing to read safely
    files = tuple(sorted(_recorded_python(record)))
    return Distribution(name, version, site_packages, files, "sha256:" + hashlib.sha256(record).hexdigest(),
                        f"installed {info.name}")


def _recorded_python(record: bytes) -> Iterator[str]:
    """The .py files RECORD lists inside site-packages (scripts in ../../bin and metadata are not code)."""
    for row in csv.reader(io.StringIO(record.decode("utf-8", "replace"))):
        if not row:
            continue
        parts = PurePosixPath(row[0].replace("\\", "/")).parts
        if not parts or not parts[-1].endswith(".py") or ".." in parts or parts[0] == "/" or parts[0].endswith(".dist-info"):
            continue
        yield "/".join(parts)  # a file RECORD lists but that is gone is reported by the analysis


def top_level_modules(distribution: Distribution) -> frozenset:
    """The importable top-level names a distribution provides (`langchain_openai`, `llama_index`)."""
    return frozenset(PurePosixPath(f).parts[0].removesuffix(".py") for f in distribution.files)


def packages(distribution: Distribution) -> tuple:
    """The outermost packages a distribution provides, below any namespace package:
    `llama_index.llms.openai` for llama-index-llms-openai, `langchain_openai` for langchain-openai."""
    folders = {str(PurePosixPath(f).parent) for f in distribution.files if f.endswith("/__init__.py")}
    outermost = {f for f in folders if str(PurePosixPath(f).parent) not in folders}
    singles = {f[:-3] for f in distribution.files if "/" not in f and f != "__init__.py"}
    return tuple(sorted(name.replace("/", ".") for name in outermost | singles))
