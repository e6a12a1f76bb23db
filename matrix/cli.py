"""govm-matrix: run the isolation matrix, list its cells, clean up what it keeps."""

from __future__ import annotations

import argparse
import signal
import sys

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
130 when interrupted.
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
    run.add_argument("-n", "--workers", default="auto", metavar="N",
                     help="parallel pytest-xdist workers, or 0 for none (default: auto)")
    run.add_argument("-k", dest="keyword", metavar="EXPR",
                     help="pytest -k expression on the cell ids, e.g. 'wsl2 and mise'")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS",
                     help="anything after -- goes to pytest as it is")

    cells = sub.add_parser("list", help="print the ids of the cells a selection holds")
    _selection_options(cells)

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
                        help="selection scope: global, session, directory (default: global)")


def _run(args: argparse.Namespace) -> int:
    import pytest

    from . import docker_env
    from .cells import make_selection
    from .verdicts import parse_verdicts

    make_selection(args.platform, args.manager, args.go, args.scope)  # exits 2 if bad
    parse_verdicts(args.fail_on, "--fail-on")
    docker_env.client().close()  # exits 3 with a hint when no daemon answers
    argv = ["--pyargs", "matrix.suite", "-p", "no:cacheprovider", "-q",
            "-o", "disable_test_id_escaping_and_forfeit_all_rights_to_community_support=true",
            "--network", args.network, "--report-dir", args.report_dir]
    for option in ("platform", "manager", "go", "scope"):
        for value in getattr(args, option) or []:
            argv += [f"--{option}", value]
    if args.fail_on:
        argv += ["--fail-on", args.fail_on]
    if str(args.workers) != "0":
        argv += ["-n", str(args.workers), "--dist", "loadgroup"]
    if args.keyword:
        argv += ["-k", args.keyword]
    argv += args.pytest_args
    code = int(pytest.main(argv))
    return {0: 0, 1: 1, 2: 130, 5: 0}.get(code, code)


def _list(args: argparse.Namespace) -> int:
    from .cells import build_cells, make_selection

    for cell in build_cells(make_selection(args.platform, args.manager, args.go, args.scope)):
        print(cell.id)
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
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        return {"run": _run, "list": _list, "clean": _clean}[args.command](args)
    except MatrixError as exc:
        print(f"govm-matrix: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("govm-matrix: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
