"""Command line of the organisation's view: `portfolio`, `portfolio scan` and `history`.

cli.py registers these commands; like cli_gate.py, this module reaches back into cli.py (exit
codes, _guarded, write_atomically, cache_location) only when a command runs.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from .cli_gate import build_options, config_option, scan_options
from .options import DEFAULT_WINDOW

PORTFOLIO_FORMATS = ("json", "markdown", "html", "csv")
PORTFOLIO_EXTENSIONS = ((".json", "json"), (".md", "markdown"), (".markdown", "markdown"), (".html", "html"),
                        (".htm", "html"), (".csv", "csv"))
HISTORY_FORMATS = ("json", "markdown", "html")


def _cli():
    from . import cli

    return cli


def _outputs(formats: tuple):
    """--format, -o (repeatable, the format from each extension), -q: shared by the three commands."""
    names = " ".join(suffix for suffix, fmt in PORTFOLIO_EXTENSIONS if fmt in formats and suffix not in (".markdown", ".htm"))
    decorators = [
        click.option("--format", "fmt", type=click.Choice(formats), default=None,
                     help="Output format (default: markdown, or what the -o extension names)."),
        click.option("-o", "--output", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help=f"Write to FILE instead of stdout; repeatable, each in the format its extension names ({names})."),
        click.option("-q", "--quiet", is_flag=True, help="No progress or \"wrote FILE\" messages on stderr."),
    ]

    def apply(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def _write(output, fmt, quiet: bool, render, formats=PORTFOLIO_FORMATS) -> None:
    """Render once per planned output and write it (atomically) or print it."""
    from .escape import safe_document
    from .errors import UsageError
    from .render.outputs import plan_outputs

    plan = plan_outputs(output, fmt, PORTFOLIO_EXTENSIONS, default="markdown")
    for target, chosen in plan:
        if chosen not in formats:
            raise UsageError(f"{target or 'stdout'}: this command writes {', '.join(formats)}, not {chosen}")
    for target, chosen in plan:
        text = safe_document(render(chosen))
        if target is None:
            click.echo(text, nl=False)
            continue
        _cli().write_atomically(target, text)
        if not quiet:
            click.echo(f"wrote {target} ({chosen})", err=True)


# --- riskscan portfolio ----------------------------------------------------------------------------

class _PortfolioGroup(click.Group):
    """`riskscan portfolio INPUTS...` aggregates reports; `riskscan portfolio scan ...` scans first."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["report", *args]
        return super().parse_args(ctx, args)


@click.group("portfolio", cls=_PortfolioGroup)
def portfolio_group() -> None:
    """The organisation's view over many repositories.

    \b
    riskscan portfolio INPUTS...       aggregate JSON reports, history files, folders of them, or a manifest (.toml)
    riskscan portfolio scan SOURCES... scan folders, git URLs or a manifest's sources first, then aggregate
    """


def _portfolio_options(func):
    decorators = [
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
                     help="Day retirements are counted from (default: the newest report's, else today)."),
        click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Repositories listed under worst grades and biggest changes."),
        click.option("--debug", is_flag=True, help="Show tracebacks for internal errors."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return _outputs(PORTFOLIO_FORMATS)(func)


@portfolio_group.command("report")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@_portfolio_options
def portfolio_command(inputs, as_of, top, fmt, output, quiet, debug):
    """Aggregate JSON reports, history files, folders of them, or a manifest (the default subcommand)."""
    from .portfolio.inputs import read_inputs

    cli = _cli()
    name, members = cli._guarded(lambda: read_inputs(inputs), debug)
    _publish(name, members, as_of.date() if as_of else None, top, fmt, output, quiet, debug)
    sys.exit(cli.EXIT_OK)


def _publish(name, members, day, top, fmt, output, quiet, debug) -> None:
    from .escape import dump_json
    from .portfolio.aggregate import organisation
    from .portfolio.html import render_html
    from .portfolio.markdown import render_markdown
    from .portfolio.register import render_csv

    org = organisation(members, day or _newest_as_of(members), name, top)
    if not quiet:
        for note in org["notes"]:
            click.echo(f"riskscan: note: {note}", err=True)
        if org["failed"]:
            click.echo(f"riskscan: warning: {len(org['failed'])} repository(ies) could not be scanned; "
                       "the reports list them and leave them out of the figures", err=True)
    renderers = {"json": lambda: dump_json(org), "markdown": lambda: render_markdown(org),
                 "html": lambda: render_html(org, members), "csv": lambda: render_csv(members)}
    _cli()._guarded(lambda: _write(output, fmt, quiet, lambda chosen: renderers[chosen]()), debug)


def _newest_as_of(members) -> date:
    days = [m.facts["as_of"] for m in members if m.facts and m.facts.get("as_of")]
    return date.fromisoformat(max(days)) if days else date.today()


@portfolio_group.command("scan")
@click.argument("sources", nargs=-1)
@click.option("--executor", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="Who runs the scans: local processes, or an existing Dask cluster (--scheduler).")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Repositories scanned at once by the local executor (default: all cores).")
@click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also keep each repository's JSON report here (NAME.json), for `riskscan portfolio` later.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Base folder of the per-file caches (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--retiring-within", type=click.IntRange(min=0), default=DEFAULT_WINDOW, show_default=True, metavar="DAYS",
              help="Report models that retire within DAYS of --as-of.")
@_portfolio_options
def portfolio_scan_command(sources, executor, scheduler, jobs, reports_dir, cache_dir, no_cache, retiring_within, as_of, top,
                           fmt, output, quiet, debug):
    """Scan SOURCES (folders, git URLs, or a manifest .toml with `source` keys), then aggregate."""
    import os

    from .portfolio.scan import Settings, run_dask, run_local

    cli = _cli()
    name, entries = cli._guarded(lambda: _targets(sources, executor, scheduler), debug)
    day = as_of.date() if as_of else date.today()  # one day for every task, wherever and whenever it runs
    settings = Settings(as_of=day, retiring_within=retiring_within, cache_dir=cli.cache_location(cache_dir, no_cache))
    progress = None if quiet else _progress(len(entries))
    if executor == "dask":
        outcomes = cli._guarded(lambda: run_dask(entries, settings, scheduler, progress), debug)
    else:
        outcomes = cli._guarded(lambda: run_local(entries, settings, jobs or os.cpu_count() or 1, progress), debug)
    members = cli._guarded(lambda: _members(entries, outcomes, reports_dir), debug)
    _publish(name, members, day, top, fmt, output, quiet, debug)
    sys.exit(cli.EXIT_OK)


def _targets(sources, executor: str, scheduler) -> tuple:
    """(portfolio name, [manifest Entry]) from the command line."""
    from .errors import UsageError
    from .portfolio.manifest import Entry, read_manifest
    from .portfolio.sources import is_remote, name_of

    if executor == "dask" and not scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (tcp://host:8786)")
    if not sources:
        raise UsageError("give folders, git URLs, or a manifest (.toml) to scan")
    name, entries = "", []
    for source in sources:
        if source.endswith(".toml") and Path(source).is_file():
            manifest = read_manifest(Path(source), need="source")
            name, entries = name or manifest.name, entries + manifest.entries
        else:
            entries.append(Entry(name_of(source), source=source if is_remote(source) else str(Path(source))))
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"two repositories are named {', '.join(twice)}: name them in a manifest")
    return name, entries


def _members(entries, outcomes, reports_dir) -> list:
    from .escape import dump_json
    from .portfolio.inputs import member_of
    from .portfolio.sources import display, file_name

    by_name = {o["name"]: o for o in outcomes}
    members = []
    for entry in sorted(entries, key=lambda e: e.name):
        outcome = by_name[entry.name]
        if reports_dir is not None and "report" in outcome:
            Path(reports_dir).mkdir(parents=True, exist_ok=True)
            _cli().write_atomically(Path(reports_dir) / f"{file_name(entry.name)}.json", dump_json(outcome["report"]))
        members.append(member_of(entry, outcome.get("report"), display(entry.source), outcome.get("error", "")))
    return members


def _progress(total: int):
    done = [0]

    def report(outcome: dict) -> None:
        done[0] += 1
        state = f"failed: {outcome['error']}" if "error" in outcome else "scanned"
        click.echo(f"[{done[0]}/{total}] {outcome['name']}: {state}", err=True)

    return report


# --- riskscan history -----------------------------------------------------------------------------

@click.command("history")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path), is_eager=True)
@config_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only commits made on or after this day (YYYY-MM-DD).")
@click.option("--every", default="1", show_default=True, metavar="week|month|N",
              help="Scan the newest commit of each week or month, or every Nth commit (counted back from the newest).")
@click.option("--ref", default="HEAD", show_default=True, help="The branch, tag or commit whose first-parent history is scanned.")
@click.option("--retiring-within", type=click.IntRange(min=0), default=DEFAULT_WINDOW, show_default=True, metavar="DAYS",
              help="Report models that retire within DAYS of --as-of.")
@_outputs(HISTORY_FORMATS)
@scan_options
def history_command(path, since, every, ref, retiring_within, fmt, output, quiet, debug, **scan):
    """Scan past commits of PATH's repository (first-parent) straight from git objects, and show the trend."""
    from dataclasses import replace

    from .escape import dump_json
    from .history.html import render_html
    from .history.markdown import render_markdown
    from .history.run import history
    from .render.progress import ProgressBar

    cli = _cli()
    options = replace(build_options(**scan), retiring_within=retiring_within)
    bar = ProgressBar(enabled=False if quiet else None, unit="commits")
    with bar:
        document = cli._guarded(lambda: history(path, options, ref, since.date() if since else None, every, bar), debug)
    renderers = {"json": lambda: dump_json(document), "markdown": lambda: render_markdown(document),
                 "html": lambda: render_html(document)}
    cli._guarded(lambda: _write(output, fmt, quiet, lambda chosen: renderers[chosen](), HISTORY_FORMATS), debug)
    sys.exit(cli.EXIT_OK)


COMMANDS = (portfolio_group, history_command)
