"""Command line: parse options, call the API, render, exit. No analysis logic lives here."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

# The pipeline is imported when a command runs it: `riskscan check` and a scan the run memo
# answers start without it (see README "Performance").
from . import __version__
from .cache import default_cache_dir
from .cli_gate import GATE_COMMANDS, config_option, current_config, warn
from .errors import RiskscanError, UsageError
from .escape import printable_lines
from .lifecycle import DEFAULT_WINDOW
from .memo import run_memo
from .options import ScanOptions, collecting_less
from .redact import redact_message
from .render import COMPARING, FORMATS
from .render.graph_export import COLLAPSE, GRAPH_FORMATS
from .render.outputs import plan_outputs
from .render.progress import ProgressBar

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def scan(path, options):
    from .api import scan as run

    return run(path, options)


def render(report, fmt: str, baseline=None) -> str:
    from .render import render as run

    return run(report, fmt, baseline)


def read_report(path):
    from .diff import read_report as read

    return read(path)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so an interrupted run never leaves half a report.

    A target that cannot be written is a user error (exit 2 with the reason), not a traceback.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskscan")
def cli() -> None:
    """Find where code depends on AI vendors, and what breaks if one fails."""


@cli.command("scan")
@click.argument("path", default=".", type=click.Path(path_type=Path), is_eager=True)
@config_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: text, or what the -o extension names).")
@click.option("-o", "--output", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write a report to FILE instead of stdout; repeatable, each in the format its extension names (.txt .json .sarif .md .html .cdx.json).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="A previous JSON report: the html and markdown reports show the changes since.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, and no \"wrote FILE\" messages on stderr.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (gitignore syntax); repeatable.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable.")
@click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore excludes.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=5 * 1024 * 1024, show_default=True, help="Skip files larger than this many bytes.")
@click.option("--no-prefilter", is_flag=True, help="Analyse every file fully (slower; for checking the pre-filter).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the per-file cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Day (YYYY-MM-DD) model retirements and API shutdowns are judged on; makes a report reproducible (default: today).")
@click.option("--retiring-within", type=click.IntRange(min=0), default=DEFAULT_WINDOW, show_default=True, metavar="DAYS", help="Report models that retire within DAYS of --as-of.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def scan_command(path, fmt, output, baseline, quiet, exclude, rule_dirs, no_gitignore, jobs, max_file_size, no_prefilter, cache_dir, no_cache,
                 as_of, retiring_within, debug):
    """Scan PATH (default: the current folder) for AI vendor touchpoints."""
    plan = _guarded(lambda: plan_outputs(output, fmt), debug)
    previous = _guarded(lambda: read_report(baseline), debug) if baseline else None
    progress = ProgressBar(enabled=False if quiet else None)
    options = ScanOptions(excludes=exclude, rule_dirs=rule_dirs, use_gitignore=not no_gitignore,
                          max_bytes=max_file_size, jobs=jobs, prefilter=not no_prefilter, progress=progress,
                          cache_dir=cache_location(cache_dir, no_cache), as_of=as_of.date() if as_of else None,
                          retiring_within=retiring_within, **current_config().scan_fields())
    formats = sorted({fmt for _, fmt in plan})
    memo = run_memo(options.cache_dir, "scan", path, options, *_config_inputs(), baseline.read_bytes() if baseline else b"")
    outcome = memo.replay(["meta", *formats]) if memo else None
    if outcome is None:
        with progress:
            report = _guarded(lambda: scan(path, options), debug)
        outcome = _guarded(lambda: _outcome(report, formats, previous), debug)  # Ctrl-C while rendering: 130 too
        if memo:
            memo.remember(outcome)
    warn(outcome["meta"]["warnings"])
    _guarded(lambda: _write_reports(outcome, plan, previous, quiet), debug)  # Ctrl-C while writing: 130 too
    sys.exit(EXIT_OK)


def _outcome(report, formats: list, baseline) -> dict:
    """What a scan command writes, as the run memo keeps it: each format's text, and the counts
    and warnings the messages name."""
    outcome = {fmt: {"text": render(report, fmt, baseline)} for fmt in formats}
    outcome["meta"] = {"findings": len(report.findings), "skipped": len(report.skipped),
                       "warnings": current_config().unresolved_entry_points(report)}
    return outcome


def _config_inputs() -> tuple:
    """The configuration file, as an input of a run memo (its text: warnings cite its lines)."""
    config = current_config()
    return str(config.path), config.text


def _write_reports(outcome: dict, plan: list, baseline, quiet: bool) -> None:
    """Each planned report once; colour only on a terminal (click strips it from pipes, NO_COLOR too)."""
    if baseline is not None and not quiet and not any(fmt in COMPARING for _, fmt in plan):
        click.echo("riskscan: note: --baseline changes only the html and markdown reports", err=True)
    meta = outcome["meta"]
    for target, fmt in plan:
        text = outcome[fmt]["text"]
        if target is None:
            click.echo(text, nl=False, color=False if os.environ.get("NO_COLOR") else None)
            continue
        write_atomically(target, click.unstyle(text) if fmt == "text" else text)
        if not quiet:
            click.echo(f"wrote {target} ({fmt}; {meta['findings']} findings, {meta['skipped']} skipped)", err=True)


@cli.command("graph")
@click.argument("path", default=".", type=click.Path(path_type=Path), is_eager=True)
@config_option
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="dot", show_default=True)
@click.option("--collapse", type=click.Choice(COLLAPSE), help="One node per module (its functions merged in), or per package (its modules merged in).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB; repeatable.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the per-file cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
def graph_command(path, fmt, collapse, output, exclude, rule_dirs, jobs, cache_dir, no_cache):
    """Export the module / function / entry point / vendor graph of PATH."""
    options = ScanOptions(excludes=exclude, rule_dirs=rule_dirs, jobs=jobs, cache_dir=cache_location(cache_dir, no_cache),
                          **current_config().scan_fields())
    name = f"{fmt}:{collapse or 'function'}"
    memo = run_memo(options.cache_dir, "graph", path, options, *_config_inputs())
    outcome = memo.replay([name]) if memo else None
    if outcome is None:
        from .render.graph_export import render_graph

        report = _guarded(lambda: scan(path, options), False)
        outcome = {name: {"text": render_graph(report.extra["graph"].graph, fmt, collapse)}}
        if memo:
            memo.remember(outcome)
    text = outcome[name]["text"]
    if output:
        _guarded(lambda: write_atomically(output, text), False)
    else:
        click.echo(text, nl=False)


@cli.command("rules")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(rule_dirs, fmt):
    """List the vendor catalogue (and validate extra rule directories)."""
    from .dependencies import load_tables
    from .ruleset import load_catalogue

    catalogue = _guarded(lambda: load_catalogue(rule_dirs), False)
    lifecycle, legacy, lockin = _guarded(lambda: load_tables(rule_dirs, catalogue), False)
    if fmt == "json":
        import json

        rows = [vars(rule) for _, rule in sorted(catalogue.vendors.items())]
        click.echo(json.dumps({"rules_version": catalogue.version, "vendors": rows,
                               "routers": catalogue.routers}, indent=2, default=list))
        return
    click.echo(f"{'id':<16} {'name':<26} {'kind':<14} company")
    for vendor_id, rule in sorted(catalogue.vendors.items()):
        click.echo(f"{vendor_id:<16} {rule.name[:26]:<26} {rule.kind:<14} {rule.company}")
    click.echo(f"\n{len(catalogue.vendors)} vendors, {len(catalogue.routers)} model routers "
               f"({', '.join(sorted(catalogue.routers))}); rules version {catalogue.version}")
    dated = len(lifecycle.exact) + sum(len(g) for g in lifecycle.globs.values())
    click.echo(f"{dated} model ids or patterns with retirement dates, {len(legacy.removals)} legacy API rules, "
               f"{len(lockin.rules)} lock-in rules")


def cache_location(cache_dir, no_cache: bool):
    """The cache folder a command uses: --cache-dir, else the user cache folder; None with --no-cache."""
    if no_cache:
        return None
    return cache_dir or default_cache_dir()


def _guarded(action, debug: bool):
    """Run `action`; a user error becomes a message and exit 2, never a traceback."""
    try:
        return action()
    except RiskscanError as exc:
        if debug:
            raise
        click.echo(f"riskscan: error: {printable_lines(redact_message(str(exc)))}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("riskscan: interrupted", err=True)
        sys.exit(130)


for _command in GATE_COMMANDS:
    cli.add_command(_command)


def main(argv=None) -> int:
    try:
        with collecting_less():  # the reports are written from the same large heap the scan built
            cli.main(args=argv, prog_name="riskscan", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    return EXIT_OK
