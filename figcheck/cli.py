"""figcheck's command line: argument parsing only; the work happens in the engine."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import readahead

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class UsageError(Exception):
    pass


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="figcheck", description="Quantitative consistency checker for news reporting.")
    p.add_argument("--version", action="version", version=f"figcheck {__import__('figcheck').__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp):
        sp.add_argument("files", nargs="*", help="figures files (default: [tool.figcheck] files)")
        sp.add_argument("--select", type=_codes, help="only these rule codes or prefixes, comma-separated")
        sp.add_argument("--ignore", type=_codes, help="skip these rule codes or prefixes")
        sp.add_argument("--about-margin", type=float, help="widen 'about' by this factor (>= 1)")
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
        sp.add_argument("--no-cache", action="store_true",
                        help="parse every figures file again (the parse cache lives in ~/.cache/figcheck)")
        sp.add_argument("--engine", choices=["memory", "dask"], default="memory",
                        help="where per-quantity rules run: in this process, or partitioned on Dask")
        sp.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --engine dask: an existing Dask scheduler (default: a local cluster)")
        sp.add_argument("--timings", action="store_true", help="print the time of each stage on stderr")

    c = sub.add_parser("check", help="check figures files and print findings")
    common(c)
    c.add_argument("--format", "-f", default="text", choices=["text", "json", "sarif", "github", "junit"])
    c.add_argument("--output", "-o", help="write to this file instead of stdout")
    c.add_argument("--baseline", help="accepted findings; only new ones fail")
    c.add_argument("--fail-on", choices=["info", "warning", "error"], help="lowest severity that fails (default warning)")
    c.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    r = sub.add_parser("report", help="write reports/ (index.html, report.md, charts)")
    common(r)
    r.add_argument("--output-dir", "-o", default="reports")

    ru = sub.add_parser("rules", help="list rules, or explain one")
    ru.add_argument("code", nargs="?")
    ru.add_argument("--format", "-f", default="text", choices=["text", "json"])

    e = sub.add_parser("extract", help="list every numeric mention of sources and whether it is covered")
    e.add_argument("items", nargs="*", metavar="SOURCE",
                   help="source ids, source text files or figures files (.toml); "
                        "default: every source of the [tool.figcheck] files")
    e.add_argument("--stubs", action="store_true",
                   help="print TOML stubs ([[figure]], or [[skip]] for vague amounts) for the open claims")
    e.add_argument("--claims", action="store_true", help="list claims only, not dates, years, times, ordinals, names")
    e.add_argument("--language", help="language of text files that are not a source of the figures files")
    e.add_argument("--format", "-f", default="text", choices=["text", "json"])

    b = sub.add_parser("baseline", help="accept today's findings")
    common(b)
    b.add_argument("--baseline", help="the baseline file to write")
    b.add_argument("--prune", action="store_true", help="only drop entries that are no longer found")
    return p


def main(argv=None) -> int:
    from .collector import collector_paused

    try:
        with collector_paused():          # through the output too, which walks every finding
            return _main(argv)
    except KeyboardInterrupt:
        print("figcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _main(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("check", "report", "baseline") and args.files:
        # an archive's tables are parsed on the other core while the rest of figcheck imports
        # (pandas first of all, with figcheck.load)
        readahead.start(args.files, use_cache=not args.no_cache)
    from .load import LoadError

    try:
        if args.command == "rules":
            return cmd_rules(args)
        from .config import load_settings

        settings = load_settings()
        if getattr(args, "about_margin", None) is not None:
            if not args.about_margin >= 1.0 or args.about_margin == float("inf"):
                raise UsageError("--about-margin must be a number >= 1")
            settings.about_margin = args.about_margin
        if args.command == "extract":
            return cmd_extract(args, settings)
        files = args.files or [str(settings.root / f) for f in settings.files]
        if not files:
            raise UsageError("no figures files given and none in [tool.figcheck] files")
        if args.command == "check":
            return cmd_check(args, settings, files)
        if args.command == "report":
            return cmd_report(args, settings, files)
        if args.command == "baseline":
            return cmd_baseline(args, settings, files)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        if n > 1:   # one problem is its own message; several get a count after them
            print(f"figcheck: {n} problems in the input; nothing was checked", file=sys.stderr)
        return EXIT_INPUT
    except (UsageError, ValueError) as exc:
        print(f"figcheck: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        raise
    except OSError as exc:            # e.g. --output into a folder that cannot be written
        print(f"figcheck: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    finally:
        readahead.discard()     # what the load did not ask for (it stopped at a bad file)
    return EXIT_INPUT


def _run(args, settings, files, keep_table: bool = True, prepare=None):
    from .engine import check
    from .progress import progress_for

    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    with progress_for(args.quiet) as progress:
        result = check(files, settings, select=args.select, ignore=args.ignore, engine=args.engine,
                       scheduler=args.scheduler, progress=progress, use_cache=not args.no_cache,
                       keep_table=keep_table, prepare=prepare)
    if _kept_until_exit is not None:
        _kept_until_exit.append(result)
    return result


# Set by command(), which ends the process with os._exit: a check's result (corpus, table,
# findings) is then kept here rather than freed object by object when main() returns
# (~0.4 s on a million figures) just before the process ends anyway. None when main() is
# called in a process that goes on (tests, embedding), which must free it.
_kept_until_exit: list | None = None


def _print_timings(args, result, output_seconds: float | None = None) -> None:
    if not getattr(args, "timings", False):
        return
    timings = dict(result.timings)
    if output_seconds is not None:
        timings["output"] = output_seconds
    for stage, seconds in timings.items():
        print(f"figcheck: timing {stage} {seconds:.3f} s", file=sys.stderr)


def _write(pieces, output: str | None) -> None:
    """Write the output's pieces (an iterable of str and UTF-8 bytes) to the file `output` (atomically) or stdout."""
    if output:
        from .baseline import atomic_write

        # not synced to disk: an output is made again by running the check again (a 50 MB
        # JSON of a million figures waited 0.1-0.3 s for the disk)
        atomic_write(Path(output), pieces, sync=False)
        return
    # one write, as before: a reader that stops early (| head) then breaks the pipe only at the
    # final flush, which command() ignores, so the exit code still tells the findings
    stream = sys.stdout
    if _writes_utf8_as_is(stream):
        # UTF-8 pieces go out as they are: not decoded into one str (of up to four bytes a
        # character) to be encoded again (~0.2 s and ~150 MB for a million figures' JSON)
        errors = stream.errors or "strict"     # as the stream encodes (surrogateescape in a C locale)
        stream.flush()
        stream.buffer.write(b"".join(p.encode("utf-8", errors) if type(p) is str else p for p in pieces))
    else:
        stream.write("".join(p if type(p) is str else p.decode("utf-8") for p in pieces))


def _writes_utf8_as_is(stream) -> bool:
    """Whether text written to `stream` reaches its byte buffer as UTF-8 with "\n" line ends."""
    import codecs

    try:
        return (getattr(stream, "buffer", None) is not None and os.linesep == "\n"
                and codecs.lookup(stream.encoding).name == "utf-8")
    except (LookupError, TypeError, AttributeError):
        return False


def cmd_check(args, settings, files) -> int:
    from .formats import render_pieces
    from .rules import Severity

    # no format reads the figure table; JSON encodes the findings it can while articles are read
    prepare = None
    if args.format == "json":
        from .formats.json_format import prepare
    result = _run(args, settings, files, keep_table=False, prepare=prepare)
    baseline_path = args.baseline or settings.baseline
    if args.baseline or (baseline_path and (settings.root / baseline_path).exists()):
        from .baseline import apply_baseline, read_baseline

        path = Path(args.baseline) if args.baseline else settings.root / baseline_path
        apply_baseline(result, read_baseline(path))
    fail_on = Severity.parse(args.fail_on) if args.fail_on else settings.fail_on
    options = {}
    if args.format == "text":
        from .formats.text_format import use_colour

        force = {"always": True, "never": False}.get(args.color)
        options["colour"] = use_colour(sys.stdout, force) and not args.output
    if args.format == "junit":
        options["fail_on"] = fail_on
    import time

    t0 = time.perf_counter()
    _write(render_pieces(args.format, result, **options), args.output)
    _print_timings(args, result, time.perf_counter() - t0)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary:
        from .formats.github_format import write_step_summary

        write_step_summary(result, summary)
    failing = [f for f in result.findings if f.new and f.severity >= fail_on]
    return EXIT_FINDINGS if failing else EXIT_OK


def cmd_report(args, settings, files) -> int:
    from .report import write_report

    result = _run(args, settings, files)
    try:
        written = write_report(result, Path(args.output_dir))
    except OSError as exc:   # an unwritable folder, or a file where the folder should be
        raise UsageError(f"cannot write the report to {args.output_dir}: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"figcheck: wrote {len(written)} files to {args.output_dir}/", file=sys.stderr)
    return EXIT_OK


def cmd_baseline(args, settings, files) -> int:
    from .baseline import write_baseline

    result = _run(args, settings, files)
    target = args.baseline or settings.baseline
    if not target:
        raise UsageError("no baseline path: give --baseline FILE or set [tool.figcheck] baseline")
    path = Path(target) if args.baseline else settings.root / target
    n = write_baseline(result, path, prune=args.prune)
    if not args.quiet:
        print(f"figcheck: {n} accepted finding{'s' if n != 1 else ''} in {path}", file=sys.stderr)
    return EXIT_OK


def cmd_extract(args, settings) -> int:
    from .extract import render_extract, resolve_sources

    figures_files = [i for i in args.items if i.lower().endswith(".toml")]
    wanted = [i for i in args.items if not i.lower().endswith(".toml")]
    if not figures_files:
        figures_files = [str(settings.root / f) for f in settings.files]
    sources, coverage = resolve_sources(figures_files, wanted, args.language, settings.about_margin)
    sys.stdout.write(render_extract(sources, coverage, stubs=args.stubs, claims_only=args.claims,
                                    fmt=args.format))
    return EXIT_OK


def cmd_rules(args) -> int:
    import json

    from .engine import discover

    rules = discover()
    if args.code:
        code = args.code.upper()
        if code not in rules:
            print(f"figcheck: no rule {args.code!r} (see `figcheck rules`)", file=sys.stderr)
            return EXIT_INPUT
        r = rules[code]
        if args.format == "json":
            print(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
            return EXIT_OK
        print(f"{r.code} {r.name} ({r.severity.name}, {r.family})\n\n{r.summary}\n\n{r.explanation}\n")
        print("Failing example:\n" + _indent(r.failing.figures))
        print("Passing example:\n" + _indent(r.passing.figures))
        return EXIT_OK
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rules.values()], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rules:
        print("no rules registered")
        return EXIT_OK
    width = max(len(r.name) for r in rules.values())
    for r in rules.values():
        print(f"{r.code}  {r.name:<{width}}  {r.severity.name:<7}  {r.summary}")
    return EXIT_OK


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()) + "\n"


def command(argv=None) -> None:
    """The `figcheck` command: main(), then exit at once. Tearing down the interpreter would
    free every object of the check one by one (a second or more on a big archive) just before
    the process ends anyway; the output is flushed first."""
    global _kept_until_exit
    _kept_until_exit = []
    code = main(argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    except OSError:
        code = code or EXIT_INPUT
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    if "figcheck.prefetch" in sys.modules:
        sys.modules["figcheck.prefetch"].reap()
    os._exit(code)


if __name__ == "__main__":
    command()
