"""govm-matrix: run the isolation matrix, list its cells, clean up what it keeps."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import uuid

from . import __version__
from .errors import EXIT_USAGE, MatrixError

DESCRIPTION = """\
When you switch Go versions with a version manager, what of the old version stays behind?

govm-matrix builds one container image per platform profile and version manager, switches Go
inside containers in real shells (bash login and interactive, zsh login, sh -c, and the
interactive session where the switch was typed), checks GOROOT, PATH, GOPATH, GOBIN,
GOTOOLCHAIN, the version that runs and a real build, and writes reports/matrix.json and
reports/matrix.md.

Exit status of `run`: 0 when every cell got a verdict (LEAK and BROKEN are findings about the
tools, not failures of the harness), 1 when a cell is ERROR (the harness could not decide) or
has a verdict named by --fail-on, 2 for bad input, 3 when Docker or an artifact is missing,
130 when interrupted. With --baseline (and for `diff`): 1 only when a verdict regressed.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govm-matrix", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"govm-matrix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the matrix and write the report",
                         description="Run the matrix (pytest underneath) and write the report.")
    _selection_options(run)
    run.add_argument("--network", choices=("auto", "online", "offline"), default="auto",
                     help="artifact and base-image source (default: auto-detect)")
    run.add_argument("--report-dir", default="reports", metavar="DIR",
                     help="where matrix.json and matrix.md go (default: reports)")
    run.add_argument("--fail-on", default="", metavar="VERDICTS",
                     help="verdicts that make the run fail besides ERROR, e.g. LEAK,BROKEN")
    run.add_argument("--shard", metavar="I/N",
                     help="run shard I of N only (join the shard reports with `merge`)")
    run.add_argument("--baseline", metavar="REPORT",
                     help="compare with a baseline report: list every changed verdict and "
                          "exit 1 only for regressions (to LEAK, BROKEN or ERROR)")
    run.add_argument("--manager-source", action="append", metavar="NAME=PATH",
                     help="install manager NAME from a local build, e.g. mise=./mise")
    run.add_argument("-n", "--workers", default="auto", metavar="N",
                     help="parallel pytest-xdist workers, or 0 for none (default: auto)")
    run.add_argument("-k", dest="keyword", metavar="EXPR",
                     help="pytest -k expression on the cell ids, e.g. 'wsl2 and mise'")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS",
                     help="anything after -- goes to pytest as it is")

    cells = sub.add_parser("list", help="print the ids of the cells a selection holds")
    _selection_options(cells)

    diff = sub.add_parser("diff", help="compare two reports verdict for verdict; exit 1 only "
                                       "for regressions (to LEAK, BROKEN or ERROR)")
    diff.add_argument("old", metavar="OLD.json")
    diff.add_argument("new", metavar="NEW.json")

    merge = sub.add_parser("merge", help="join the reports of shards 1..N into one report")
    merge.add_argument("shards", nargs="+", metavar="SHARD.json")
    merge.add_argument("--report-dir", default="reports", metavar="DIR",
                       help="where the merged report files go (default: reports)")

    base = sub.add_parser("baseline", help="write a report without snapshots and steps, "
                                           "small enough to commit as a --baseline")
    base.add_argument("report", metavar="REPORT.json")
    base.add_argument("output", metavar="BASELINE.json")

    mirror = sub.add_parser("mirror", help="the artifact cache the loopback mirror serves")
    mirror_sub = mirror.add_subparsers(dest="mirror_command", metavar="ACTION", required=True)
    add = mirror_sub.add_parser("add", help="import an artifact you have from elsewhere "
                                            "(a checkout, a release file) for offline builds")
    add.add_argument("kind", metavar="KIND", help="one of: " + ", ".join(_mirror_kinds()))
    add.add_argument("path", metavar="PATH")
    mirror_sub.add_parser("list", help="every artifact in the cache, with digest and source")

    sub.add_parser("clean", help="remove every container and image govm-matrix made "
                                 "(including the image cache)")
    return parser


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", action="append", metavar="NAME",
                        help="platform profile; repeat or comma-separate (default: all)")
    parser.add_argument("--manager", action="append", metavar="NAME",
                        help="version manager; repeat or comma-separate (default: all)")
    parser.add_argument("--go", action="append", metavar="VERSION",
                        help="Go versions to switch between (default: 1.21.13,1.22.10)")
    parser.add_argument("--scope", action="append", metavar="SCOPE",
                        help="selection scopes: global, session, directory (default: all)")
    parser.add_argument("--scenario", action="append", metavar="NAME",
                        help="scenarios: clean or a pollution scenario's name (default: all)")
    parser.add_argument("--matrix", metavar="FILE",
                        help="a matrix definition file (TOML) with your own pollution "
                             "fixtures and scenarios; see the README")


def _run(args: argparse.Namespace) -> int:
    import pytest

    from . import docker_env
    from .cells import check_scenarios, make_selection, parse_sources
    from .definition import load_definition
    from .report import load_report
    from .shards import parse_shard
    from .verdicts import parse_verdicts

    selection = make_selection(args.platform, args.manager, args.go, args.scope,
                               args.scenario)  # exits 2 when a value is unknown
    check_scenarios(selection, load_definition(args.matrix))
    parse_verdicts(args.fail_on, "--fail-on")
    parse_sources(args.manager_source)
    if args.shard:
        parse_shard(args.shard)
    baseline = load_report(args.baseline) if args.baseline else None
    docker_env.client().close()  # exits 3 with a hint when no daemon answers
    argv = ["--pyargs", "matrix.suite", "-p", "no:cacheprovider", "-q", "--run-id", args.run_id,
            "-o", "disable_test_id_escaping_and_forfeit_all_rights_to_community_support=true",
            "--network", args.network, "--report-dir", args.report_dir]
    for option in ("platform", "manager", "go", "scope", "scenario"):
        for value in getattr(args, option) or []:
            argv += [f"--{option}", value]
    if args.fail_on:
        argv += ["--fail-on", args.fail_on]
    if args.shard:
        argv += ["--shard", args.shard]
    if args.matrix:
        argv += ["--matrix", os.path.abspath(args.matrix)]
    for value in args.manager_source or []:
        argv += ["--manager-source", value]
    if str(args.workers) != "0":
        argv += ["-n", str(args.workers), "--dist", "loadgroup"]
    if args.keyword:
        argv += ["-k", args.keyword]
    argv += args.pytest_args
    # pytest: 1 tests failed (ERROR cells), 2 interrupted, 4 usage error (e.g. a bad -k),
    # 5 nothing selected.
    try:
        code = {0: 0, 1: 1, 2: 130, 4: 2, 5: 0}.get(int(pytest.main(argv)), 1)
    except KeyboardInterrupt:
        _remove_run_containers(args.run_id)
        raise
    if code == 130:
        _remove_run_containers(args.run_id)
    if baseline is None or code == 130:
        return code
    from .regression import diff_reports, exit_code, render_diff

    diff = diff_reports(baseline, load_report(f"{args.report_dir}/matrix.json"))
    print(render_diff(diff))
    return exit_code(diff)


def _remove_run_containers(run_id: str) -> None:
    """After an interrupt: whatever the run's processes could not remove themselves."""
    import signal as signals

    from . import docker_env

    signals.signal(signals.SIGINT, signals.SIG_IGN)  # a second Ctrl-C must not stop this
    try:
        docker_env.remove_containers(docker_env.client(timeout=60), run_id)
    except MatrixError:
        pass


def _list(args: argparse.Namespace) -> int:
    from .cells import build_cells, make_selection
    from .definition import load_definition

    selection = make_selection(args.platform, args.manager, args.go, args.scope, args.scenario)
    for cell in build_cells(selection, load_definition(args.matrix)):
        print(cell.id)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from .regression import diff_files, exit_code, render_diff

    diff = diff_files(args.old, args.new)
    print(render_diff(diff))
    return exit_code(diff)


def _merge(args: argparse.Namespace) -> int:
    from .report import write_reports
    from .shards import load_and_merge

    report = load_and_merge(args.shards)
    for path in write_reports(report, args.report_dir):
        print(f"report: {path}")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    import json

    from .report import load_report, slim_report

    slim = slim_report(load_report(args.report))
    with open(args.output, "w", encoding="utf-8") as fh:
        json.dump(slim, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"baseline: {args.output} ({len(slim['cells'])} cells)")
    return 0


def _mirror_kinds() -> list[str]:
    from .mirror_add import KINDS

    return list(KINDS)


def _mirror(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .artifacts import ArtifactCache, default_cache_root

    if args.mirror_command == "add":
        from .mirror_add import add

        for key in add(default_cache_root(), args.kind, Path(args.path)):
            print(f"added {key}")
        return 0
    for key, artifact in sorted(ArtifactCache().index().items()):
        print(f"{key}  sha256:{artifact.sha256}  {artifact.source}")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from . import docker_env

    cli = docker_env.client()
    containers = docker_env.remove_containers(cli)
    images = 0
    for _ in range(6):  # children before parents: repeat until nothing more goes
        removed = docker_env.remove_images(cli)
        images += removed
        if not removed:
            break
    print(f"removed {containers} containers and {images} images labelled io.govm-matrix")
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # a CI job's cancel cleans up like Ctrl-C
    parser = _parser()
    args = parser.parse_args(argv)
    args.run_id = uuid.uuid4().hex[:12]
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        commands = {"run": _run, "list": _list, "diff": _diff, "merge": _merge,
                    "baseline": _baseline, "mirror": _mirror, "clean": _clean}
        return commands[args.command](args)
    except MatrixError as exc:
        print(f"govm-matrix: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `govm-matrix list | head`
        os._exit(0)
    except KeyboardInterrupt:
        print("govm-matrix: interrupted", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)  # not via the interpreter's own interrupt exit: the status stays 130


if __name__ == "__main__":
    sys.exit(main())
