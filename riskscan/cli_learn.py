"""Command line of `riskscan learn`: parse options, learn, write the rule files, say what was learned."""
from __future__ import annotations

from pathlib import Path

import click

from .errors import UsageError


@click.command("learn")
@click.argument("targets", nargs=-1)
@click.option("--python", "python", type=click.Path(dir_okay=False, path_type=Path),
              help="Learn the distributions of this virtualenv's interpreter (its site-packages is found from the folder layout; it is never run).")
@click.option("--site-packages", "site_packages", type=click.Path(file_okay=False, path_type=Path),
              help="Learn the distributions installed in this site-packages folder.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("riskscan-rules"), show_default=True,
              help="Rules folder to write into (files go to OUTPUT/learned/<distribution>.toml; use it with --rules OUTPUT).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the per-file cache.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def learn_command(targets, python, site_packages, output, rule_dirs, jobs, cache_dir, no_cache, debug):
    """Learn adapter rules from the code of packages: TARGETS are source folders, wheel or sdist
    files, or names of distributions installed in --python / --site-packages (default: all of them)."""
    from .cli import _guarded, cache_location

    if python and site_packages:
        _guarded(lambda: _fail("give --python or --site-packages, not both"), debug)
    learned = _guarded(lambda: _learn(targets, python, site_packages, rule_dirs, jobs, cache_location(cache_dir, no_cache)), debug)
    for line in _guarded(lambda: _write(learned, output), debug):
        click.echo(line)


def _fail(message: str):
    raise UsageError(message)


def _learn(targets, python, site_packages, rule_dirs, jobs, cache_dir) -> list:
    from .api import ScanOptions
    from .learn.learner import learn, resolved
    from .ruleset import load_catalogue

    catalogue = load_catalogue(rule_dirs)
    options = ScanOptions(jobs=jobs, exposure=False, cache_dir=cache_dir / "learn" if cache_dir else None)
    with resolved(targets, python, site_packages) as distributions:
        return learn(distributions, catalogue, options)


def _write(learned: list, output: Path) -> list:
    """Write the files that learned something; one line per distribution, then a total."""
    lines, empty = [], 0
    for rule_file in learned:
        if not rule_file.symbols:
            empty += 1
            continue
        try:
            path = rule_file.write(output)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        adapters = sum(s.kind == "adapter" for s in rule_file.symbols)
        lines.append(f"{rule_file.distribution} {rule_file.version}: {adapters} adapter(s), "
                     f"{len(rule_file.symbols) - adapters} router(s) -> {path}")
    lines.append(f"riskscan learn: {len(learned) - empty} of {len(learned)} distribution(s) reach an AI vendor"
                 + (f"; use them with --rules {output}" if len(learned) > empty else ""))
    return lines


def symbol_sources(catalogue) -> dict:
    """Rule source -> {"hand-written": n, "learned": m}: the adapter, client and router symbols each contributes."""
    found: dict = {}
    for (source, kind), count in catalogue.symbol_counts.items():
        found.setdefault(source, {"hand-written": 0, "learned": 0})[kind] += count
    return found


def learned_memo_input(env, cache_dir) -> str:
    """The run memo input of `scan --learn-from-env` (learn/env.py: memo_input); "" without it."""
    if not env or cache_dir is None:
        return ""
    from .learn.venv import memo_input

    return memo_input(env, cache_dir)


def learned_scan(path, options, env: Path):
    """`scan --learn-from-env`: learned files go to the cache folder (a temporary one with --no-cache)."""
    import tempfile

    from .learn.env import scan_with_environment

    if options.cache_dir is not None:
        return scan_with_environment(path, options, env, options.cache_dir)
    with tempfile.TemporaryDirectory(prefix="riskscan-learned-") as folder:
        return scan_with_environment(path, options, env, Path(folder))
