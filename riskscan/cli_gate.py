"""Command line of the gate: the --config option, and the check, baseline, diff and codes commands.

cli.py registers these commands; this module reaches back into cli.py (exit codes, _guarded,
write_atomically, cache_location) only when a command runs, so importing either module first works.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .config import Config, find_config, load_config
from .errors import RiskscanError
from .escape import dump_json, safe_document

_META = "riskscan.config"
DEFAULT_BASELINE = "riskscan-baseline.json"


def _cli():
    from . import cli

    return cli


# ------------------------------------------------------------------ configuration
def _load_config(ctx: click.Context, param, value):
    """Eager callback: read the configuration before the other options, as their defaults.

    PATH (or --root) is eager too and declared first, so it is known here unless --config came
    before it on the command line, in which case the explicit file does not need it.
    """
    if ctx.resilient_parsing:
        return value
    start = ctx.params.get("path") or ctx.params.get("root") or Path(".")
    try:
        config = load_config(value or find_config(Path(start)))
    except RiskscanError as exc:
        _cli().tell(f"riskscan: error: {exc}")
        ctx.exit(_cli().EXIT_ERROR)
    ctx.default_map = {**(ctx.default_map or {}), **config.default_map(ctx.command.name)}
    ctx.meta[_META] = config
    return value


config_option = click.option(
    "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), is_eager=True, expose_value=False,
    callback=_load_config,
    help="Configuration file (default: riskscan.toml, else [tool.riskscan] of pyproject.toml, in the scanned folder).")


def current_config() -> Config:
    """The configuration the running command loaded (built-in defaults when there is none)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_META, Config()) if ctx is not None else Config()


def scan_options(func):
    """The options every scanning command shares; config keys of the same names set their defaults."""
    decorators = [
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (gitignore syntax); repeatable."),
        click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable."),
        click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore excludes."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
        click.option("--max-file-size", type=click.IntRange(min=1), default=5 * 1024 * 1024, show_default=True, help="Skip files larger than this many bytes."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the per-file cache."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Day (YYYY-MM-DD) model retirements are judged on (default: today)."),
        click.option("--debug", is_flag=True, help="Show tracebacks for internal errors."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def build_options(exclude, rule_dirs, no_gitignore, jobs, max_file_size, cache_dir, no_cache, as_of):
    from .api import ScanOptions

    return ScanOptions(excludes=tuple(exclude), rule_dirs=tuple(rule_dirs), use_gitignore=not no_gitignore,
                       max_bytes=max_file_size, jobs=jobs, cache_dir=_cli().cache_location(cache_dir, no_cache),
                       as_of=as_of.date() if as_of else None, **current_config().scan_fields())


def warn_unresolved_entry_points(report) -> None:
    warn(current_config().unresolved_entry_points(report))


def warn(warnings: list) -> None:
    for warning in warnings:
        _cli().tell(f"riskscan: warning: {warning}")


# ------------------------------------------------------------------ commands
@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", is_eager=True,
              help="The repository to scan (default: the current folder).")
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Report only violations not recorded in this baseline file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are violations (report only).")
@scan_options
def check_command(files, root, fmt, baseline, exit_zero, debug, **scan):
    """Check the policy; report violations touching FILES (default: all). Exit 0 clean, 1 violations, 2 error."""
    from .gate import run_check
    from .render.violations import render_check_json, render_check_sarif, render_check_text

    cli = _cli()
    options = build_options(**scan)
    result = cli._guarded(lambda: run_check(root, files, current_config(), options, baseline), debug)
    warn_unresolved_entry_points(result.report)
    if result.note:
        cli.tell(f"riskscan: note: {result.note}")
    renderer = {"json": render_check_json, "sarif": render_check_sarif}.get(fmt, render_check_text)
    click.echo(renderer(result), nl=False)
    sys.exit(cli.EXIT_FINDINGS if result.violations and not exit_zero else cli.EXIT_OK)


@click.command("baseline")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path), is_eager=True)
@config_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Baseline file to write (default: the `baseline` setting, else {DEFAULT_BASELINE}).")
@scan_options
def baseline_command(path, output, debug, **scan):
    """Record the current violations of PATH as known, so `check --baseline` reports only new ones."""
    from .baseline import baseline_text
    from .gate import collect

    cli = _cli()
    config = current_config()
    report, policy, outcome = cli._guarded(lambda: collect(path, config, build_options(**scan)), debug)
    target = output or Path(config.default_map("check").get("baseline", DEFAULT_BASELINE))
    cli.write_atomically(target, baseline_text(outcome.violations, report.rules_version, policy.settings()))
    cli.tell(f"wrote {target} ({len(outcome.violations)} violation(s))")
    sys.exit(cli.EXIT_OK)


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_command(old, new, fmt):
    """Compare two JSON reports (riskscan scan --format json). Exit 1 when the risk grew."""
    from .diff import diff_dict, diff_reports, read_report, render_diff_text

    cli = _cli()
    result = cli._guarded(lambda: diff_reports(read_report(old), read_report(new)), False)
    click.echo(safe_document(dump_json(diff_dict(result))) if fmt == "json" else render_diff_text(result), nl=False)
    sys.exit(cli.EXIT_FINDINGS if result.risk_grew else cli.EXIT_OK)


@click.command("codes")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def codes_command(fmt):
    """List the policy codes (RS...); --format markdown prints their documentation."""
    from .checks import render_markdown, render_text

    click.echo(render_markdown() if fmt == "markdown" else render_text(), nl=False)


GATE_COMMANDS = (check_command, baseline_command, diff_command, codes_command)
