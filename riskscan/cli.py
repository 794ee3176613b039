"""Command line: parse options, call the API, render, exit. No analysis logic lives here."""
from __future__ import annotations

import os
import stat
import sys
import tempfile
import traceback
from pathlib import Path

import click

# The pipeline is imported when a command runs it: `riskscan check` and a scan the run memo
# answers start without it (see README "Performance").
from . import __version__
from .cache import default_cache_dir
from .cli_gate import GATE_COMMANDS, config_option, current_config, warn
from .cli_learn import learn_command, learned_memo_input, learned_scan, symbol_sources
from .cli_portfolio import COMMANDS as PORTFOLIO_COMMANDS
from .errors import RiskscanError, UsageError
from .escape import dump_json, printable, printable_lines, safe_document
from .options import DEFAULT_WINDOW
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
EXIT_INTERRUPTED = 130


def scan(path, options):
    from .api import scan as run

    return run(path, options)


def render(report, fmt: str, baseline=None) -> str:
    from .render import render as run

    return run(report, fmt, baseline)


def read_report(path, **how):
    from .diff import read_report as read

    return read(path, **how)


def load_catalogue(rule_dirs):
    from .ruleset import load_catalogue as load

    return load(rule_dirs)


def write_atomically(path: Path, text: str) -> None:
    """Write a report so that it is whole or absent, never half-written, and never replaces what
    the name stood for: through a symlink to its target, straight into a FIFO or device.

    A regular file is written via a temporary file and a rename, with the mode an existing report
    had, else the one the user's umask gives (mkstemp's 0600 would hide a report from its readers).
    A target that cannot be written is a user error (exit 2 with the reason), not a traceback.
    """
    path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        existing = os.stat(path)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return _write_special(path, text, existing)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def _write_special(path: Path, text: str, info) -> None:
    """A FIFO or a device (`-o /dev/stdout`) is written into, never renamed over; a folder is an error."""
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"cannot write {path}: it is a folder")
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
@click.option("--learn-from-env", "learn_env", type=click.Path(exists=True, path_type=Path),
              help="A virtualenv (folder or interpreter) or site-packages: learn the installed packages the code imports (cached).")
@click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore excludes.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=5 * 1024 * 1024, show_default=True, help="Skip files larger than this many bytes.")
@click.option("--no-prefilter", is_flag=True, help="Analyse every file fully (slower; for checking the pre-filter).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the per-file cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Day (YYYY-MM-DD) model retirements and API shutdowns are judged on; makes a report reproducible (default: today).")
@click.option("--retiring-within", type=click.IntRange(min=0), default=DEFAULT_WINDOW, show_default=True, metavar="DAYS", help="Report models that retire within DAYS of --as-of.")
@click.option("--explain-score", is_flag=True, help="After the text report, show each component of the grade with the call sites it came from.")
@click.option("--fail-on", type=click.Choice(["A", "B", "C", "D", "F", "policy"], case_sensitive=False),
              help="Exit 1 when the grade is this letter or worse, or with `policy` when `riskscan check` would report violations.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def scan_command(path, fmt, output, baseline, quiet, exclude, rule_dirs, learn_env, no_gitignore, jobs, max_file_size, no_prefilter, cache_dir,
                 no_cache, as_of, retiring_within, explain_score, fail_on, debug):
    """Scan PATH (default: the current folder) for AI vendor touchpoints. Exit 0, or 1 with --fail-on."""
    plan = _guarded(lambda: plan_outputs(output, fmt), debug)
    if fail_on and fail_on.lower() == "policy":  # a typo in a provider id must stop the run before the scan
        from .policy import Policy

        _guarded(lambda: Policy.from_config(current_config()).validate(current_config(), load_catalogue(rule_dirs)), debug)
    previous = _guarded(lambda: read_report(baseline, graded=True), debug) if baseline else None
    progress = ProgressBar(enabled=False if quiet else None)
    options = ScanOptions(excludes=exclude, rule_dirs=rule_dirs, use_gitignore=not no_gitignore,
                          max_bytes=max_file_size, jobs=jobs, prefilter=not no_prefilter, progress=progress,
                          cache_dir=cache_location(cache_dir, no_cache), as_of=as_of.date() if as_of else None,
                          retiring_within=retiring_within, **current_config().scan_fields())
    formats = sorted({fmt for _, fmt in plan})
    # The run memo answers a scan that needs nothing but its reports (not the grade of --fail-on or
    # --explain-score); with --learn-from-env its key also holds the environment and the learned files.
    memoised = not (explain_score or fail_on)

    def memo_now():
        return run_memo(options.cache_dir, "scan", path, options, *_config_inputs(),
                        baseline.read_bytes() if baseline else b"", learned_memo_input(learn_env, options.cache_dir))

    memo = _guarded(memo_now, debug) if memoised else None
    outcome = memo.replay(["meta", *formats]) if memo else None
    report = None
    if outcome is None:
        with progress:
            report = _guarded(lambda: learned_scan(path, options, learn_env) if learn_env else scan(path, options), debug)
        outcome = _guarded(lambda: _outcome(report, formats, previous), debug)  # Ctrl-C while rendering: 130 too
        if memo and learn_env:
            memo = memo_now()  # what this run learned is part of what the next run finds
        if memo:
            memo.remember(outcome, _manifests_read(report))
    warn(outcome["meta"]["warnings"])
    _guarded(lambda: _write_reports(outcome, plan, previous, quiet), debug)  # Ctrl-C while writing: 130 too
    if explain_score:
        from .explain import explain_text

        click.echo(safe_document(explain_text(report) if report.exposure is not None and report.findings
                                 else "No score to explain.\n", colours=True), nl=False)
    failed = _guarded(lambda: _failed_gate(report, fail_on, path), debug) if fail_on else ""
    if failed:
        tell(f"riskscan: --fail-on {fail_on}: {failed}")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _failed_gate(report, fail_on: str, path) -> str:
    from .gate import failed_gate

    return failed_gate(report, fail_on, path, current_config())


def _outcome(report, formats: list, baseline) -> dict:
    """What a scan command writes, as the run memo keeps it: each format's text, and the counts
    and warnings the messages name."""
    outcome = {fmt: {"text": render(report, fmt, baseline)} for fmt in formats}
    outcome["meta"] = {"findings": len(report.findings), "skipped": len(report.skipped),
                       "warnings": current_config().unresolved_entry_points(report)}
    return outcome


def _manifests_read(report) -> list:
    """The manifests a scan read (relative paths): inputs of a run memo too, wherever they are."""
    return [path for path, _ in report.dependencies.manifests.files] if report.dependencies else []


def _config_inputs() -> tuple:
    """The configuration file, as an input of a run memo (its text: warnings cite its lines)."""
    config = current_config()
    return str(config.path), config.text


def _write_reports(outcome: dict, plan: list, baseline, quiet: bool) -> None:
    """Each planned report once; colour only on a terminal (click strips it from pipes, NO_COLOR too)."""
    if baseline is not None and not quiet and not any(fmt in COMPARING for _, fmt in plan):
        tell("riskscan: note: --baseline changes only the html and markdown reports")
    meta = outcome["meta"]
    for target, fmt in plan:
        text = outcome[fmt]["text"]
        if target is None:
            click.echo(text, nl=False, color=False if os.environ.get("NO_COLOR") else None)
            continue
        write_atomically(target, click.unstyle(text) if fmt == "text" else text)
        if not quiet:
            tell(f"wrote {target} ({fmt}; {meta['findings']} findings, {meta['skipped']} skipped)")


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
        outcome = {name: {"text": render_graph(report.graph.digraph, fmt, collapse)}}
        if memo:
            memo.remember(outcome, _manifests_read(report))
    text = outcome[name]["text"]
    if output:
        _guarded(lambda: write_atomically(output, text), False)
    else:
        click.echo(text, nl=False)


@cli.command("rules")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Extra rule directory; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--check-sources", is_flag=True, help="List the model retirement rows whose source is not the operator's own documentation.")
def rules_command(rule_dirs, fmt, check_sources):
    """List the vendor catalogue (and validate extra rule directories)."""
    from .dependencies import load_tables

    catalogue = _guarded(lambda: load_catalogue(rule_dirs), False)
    lifecycle, legacy, lockin = _guarded(lambda: load_tables(rule_dirs, catalogue), False)
    if check_sources:
        _print_sources(lifecycle, fmt)
        return
    if fmt == "json":
        rows = [{k: list(v) if isinstance(v, (tuple, set)) else v for k, v in vars(rule).items()}
                for _, rule in sorted(catalogue.vendors.items())]
        click.echo(safe_document(dump_json({"rules_version": catalogue.version, "vendors": rows, "routers": catalogue.routers,
                                            "symbols_by_source": symbol_sources(catalogue)})), nl=False)
        return
    lines = [f"{'id':<16} {'name':<26} {'kind':<14} company"]
    lines += [f"{vendor_id:<16} {rule.name[:26]:<26} {rule.kind:<14} {rule.company}" for vendor_id, rule in sorted(catalogue.vendors.items())]
    dated = len(lifecycle.exact) + sum(len(g) for g in lifecycle.globs.values())
    lines += ["", f"{len(catalogue.vendors)} vendors, {len(catalogue.routers)} model routers "
              f"({', '.join(sorted(catalogue.routers))}); rules version {catalogue.version}",
              f"{dated} model ids or patterns with retirement dates, {len(legacy.removals)} legacy API rules, "
              f"{len(lockin.rules)} lock-in rules"]
    lines += [f"{source}: {counts['hand-written']:,} hand-written and {counts['learned']:,} learned adapter and router symbols"
              for source, counts in symbol_sources(catalogue).items()]
    click.echo(safe_document("\n".join(printable(line) for line in lines) + "\n"), nl=False)  # names come from rule files


def _print_sources(lifecycle, fmt: str) -> None:
    """`rules --check-sources`: rows citing a third party, which every report marks unconfirmed."""
    from .lifecycle import unofficial_rows

    rows = unofficial_rows(lifecycle)
    if fmt == "json":
        import json

        click.echo(json.dumps({"unconfirmed_sources": rows}, indent=2))
        return
    for row in rows:
        ids = ", ".join(row["ids"][:3]) + (f" and {len(row['ids']) - 3} more" if len(row["ids"]) > 3 else "")
        click.echo(printable_lines(f"{_shorter(row['where'])}: {row['operator']}: {ids} ({row['retire_date']}): {row['source_url']}"))
    total = len(lifecycle.rows())
    click.echo(f"{len(rows)} of {total} retirement rows cite a source outside their operator's domains: "
               "every report marks them unconfirmed, and they drive no gate.")


def _shorter(where: str) -> str:
    """file:line relative to the current folder when it lies below it."""
    try:
        return str(Path(where).relative_to(Path.cwd()))
    except ValueError:
        return where


def cache_location(cache_dir, no_cache: bool):
    """The cache folder a command uses: --cache-dir, else the user cache folder; None with --no-cache."""
    if no_cache:
        return None
    return cache_dir or default_cache_dir()


def tell(message: str) -> None:
    """One message on stderr. Messages quote file names, config keys and values, parser errors:
    all of it may come from the scanned tree, so it is redacted and shown with escapes."""
    click.echo(printable_lines(redact_message(message)), err=True)


def _guarded(action, debug: bool):
    """Run `action`; a user error becomes a message and exit 2, never a traceback (with --debug,
    the traceback too, redacted)."""
    try:
        return action()
    except RiskscanError as exc:
        if debug:
            tell(traceback.format_exc())
        tell(f"riskscan: error: {exc}")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        tell("riskscan: interrupted")
        sys.exit(EXIT_INTERRUPTED)


for _command in GATE_COMMANDS + (learn_command,) + PORTFOLIO_COMMANDS:
    cli.add_command(_command)


def main(argv=None) -> int:
    """The exit code: 1 only ever means the verdict (violations, risk grew); anything that stops
    a run is 2 (usage, input, an internal error) or 130 (interrupted), never a bare traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with collecting_less():  # the reports are written from the same large heap the scan built
            code = cli.main(args=argv, prog_name="riskscan", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except click.ClickException as exc:  # usage errors: click's message (it quotes arguments: escaped), exit 2
        context = getattr(exc, "ctx", None)
        if context is not None:
            click.echo(f"{context.get_usage()}\nTry '{context.command_path} --help' for help.\n", err=True)
        tell(f"Error: {exc.format_message()}")
        return EXIT_ERROR
    except (click.Abort, KeyboardInterrupt):
        tell("riskscan: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say to anyone
        return EXIT_ERROR
    except Exception as exc:  # a bug or an input nobody foresaw: never exit 1, which means "violations"
        if "--debug" in argv:
            tell(traceback.format_exc())
        tell(f"riskscan: internal error: {type(exc).__name__}: {exc}"
             + ("" if "--debug" in argv else " (run with --debug for the traceback)"))
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_OK
