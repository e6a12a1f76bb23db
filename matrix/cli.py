"""govm-matrix: run the isolation matrix, list its cells, clean up what it keeps."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import uuid

from . import __version__
from .core.errors import EXIT_USAGE, MatrixError
from .run import config as run_config

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

The two commands of a checkout: `tox -e matrix` (this `run`) and `tox -e py` (the project's
own tests).
"""

RUN_DESCRIPTION = """\
Run the matrix (pytest underneath) and write the report into --report-dir: matrix.json,
matrix.md, matrix.html, junit.xml.

First it checks what this machine needs (a Docker daemon; offline, Debian's mmdebstrap; root
when a manager needs the HTTPS mirror on port 443) and stops with one line and exit 3 when
something is missing. Then it builds every image the selection needs, one progress line per
layer (a first run builds a Debian rootfs, a base layer, one layer per platform and one per
manager: minutes; later runs reuse them), and runs the cells with pytest's progress.

  govm-matrix run                                   # the whole default matrix
  govm-matrix run --platform wsl2 --manager mise --scenario clean
  govm-matrix run --baseline baselines/offline.json # fail only on regressions
"""

DOCTOR_DESCRIPTION = """\
Look at this machine's Go as every shell context sees it: bash -lc, bash -ic, zsh -lc (where
zsh is installed), sh -c and your login shell as a terminal starts it. For each: the go that
runs and its version, GOROOT (exported and `go env`), GOPATH, GOBIN, GOTOOLCHAIN and where it
is set, the PATH entries of Go installs in order (shadowed ones marked), and a real build.
Then the findings, in the matrix's verdict words, each with the file and line it comes from
and a one-line fix. Read-only: nothing changes but a temporary folder, which is removed (and
Go's build cache, as with any go build). No Docker needed.

Exit status: 1 when a finding is LEAK or BROKEN (with --switch: a cell that is LEAK, BROKEN or
ERROR), else 0; 2 for bad input; 130 when interrupted.

  govm-matrix doctor
  govm-matrix doctor --json
  govm-matrix doctor --switch 1.21.13,1.22.10 --manager mise --yes

--switch runs the A→B→A steps of a matrix cell on this machine with the manager's own
commands, judges them with the matrix's checks (all but atomic), writes a report into
--report-dir, and selects again, at the end, the version that was selected before (also
after a failure or Ctrl-C).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govm-matrix", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"govm-matrix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the matrix and write the report",
                         description=RUN_DESCRIPTION,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run_config.add_to_argparse(run)
    run.add_argument("--baseline", metavar="REPORT",
                     help="compare with a baseline report: list every changed verdict and "
                          "exit 1 only for regressions (to LEAK, BROKEN or ERROR, or a manager "
                          "that stopped being active)")
    run.add_argument("-n", "--workers", default="auto", metavar="N",
                     help="parallel pytest-xdist workers, or 0 for none (default: auto)")
    run.add_argument("-k", dest="keyword", metavar="EXPR",
                     help="pytest -k expression on the cell ids, e.g. 'wsl2 and mise'")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS",
                     help="anything after -- goes to pytest as it is")

    cells = sub.add_parser("list", help="print the ids of the cells a selection holds")
    run_config.add_to_argparse(cells, run_config.SELECTION)

    diff = sub.add_parser("diff", help="compare two reports verdict for verdict; exit 1 only "
                                       "for regressions (to LEAK, BROKEN or ERROR)")
    diff.add_argument("old", metavar="OLD.json")
    diff.add_argument("new", metavar="NEW.json")

    claims = sub.add_parser("claims", help="hold a file of published claims against a "
                                           "report: confirmed, refuted or untested, with "
                                           "the evidence")
    claims.add_argument("claims_file", metavar="CLAIMS.toml")
    claims.add_argument("report", nargs="?", default="reports/matrix.json",
                        metavar="REPORT.json", help="default: reports/matrix.json")
    claims.add_argument("--report-dir", metavar="DIR",
                        help="also write the report files again into DIR with the checked "
                             "claims in them (Markdown and HTML)")

    merge = sub.add_parser("merge", help="join the reports of shards 1..N into one report, "
                           "with real-host reports of `doctor --switch` as rows beside them")
    merge.add_argument("shards", nargs="+", metavar="REPORT.json",
                       help="the shards' matrix.json (or one run's), and any real-host "
                            "reports")
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

    doctor = sub.add_parser("doctor", help="this machine's Go in each of its shell contexts, "
                                           "what of other versions is in effect there, and "
                                           "the fix (no Docker)",
                            description=DOCTOR_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    doctor.add_argument("--json", action="store_true",
                        help="one JSON document (contexts, installs, findings) instead of "
                             "the table")
    doctor.add_argument("--switch", metavar="A,B",
                        help="switch A→B→A with --manager's own commands on this machine, "
                             "judge every context as the matrix does, write a report, and "
                             "select again what was selected before")
    doctor.add_argument("--manager", metavar="NAME", help="with --switch: the manager")
    doctor.add_argument("--scope", metavar="SCOPE",
                        help="with --switch: global (default), session or directory")
    doctor.add_argument("--yes", action="store_true",
                        help="with --switch: go ahead, although the manager's selection "
                             "changes while it runs")
    doctor.add_argument("--report-dir", default="reports/doctor", metavar="DIR",
                        help="with --switch: where the report goes (default: reports/doctor)")

    clean = sub.add_parser("clean", help="remove the containers of runs that are no longer "
                                         "alive and every image govm-matrix made (the image "
                                         "cache); a run still going keeps its containers")
    clean.add_argument("--containers", action="store_true",
                       help="only the containers of runs that are no longer alive (their "
                            "process was killed, or the daemon was gone when they ended); "
                            "images stay")
    return parser


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main(args)


def _values(args: argparse.Namespace, options=run_config.OPTIONS) -> dict:
    return {opt.dest: getattr(args, opt.dest, None) for opt in options}


def _run(args: argparse.Namespace) -> int:
    import pytest

    from .report import load_report
    from .run.prepare import check_prerequisites

    config = run_config.parse(_values(args), args.run_id)  # exits 2 when a value is bad
    baseline = load_report(args.baseline) if args.baseline else None
    check_prerequisites(config)  # exits 3 naming what the machine lacks, before anything
    argv = ["--pyargs", "matrix.run.suite", "-p", "no:cacheprovider", "-q",
            "-o", "disable_test_id_escaping_and_forfeit_all_rights_to_community_support=true",
            "--govm-config", config.to_json(), *run_config.to_argv(_values(args))]
    if str(args.workers) != "0":
        argv += ["-n", str(args.workers), "--dist", "loadgroup"]
    if args.keyword:
        argv += ["-k", args.keyword]
    argv += args.pytest_args
    # pytest: 1 tests failed (ERROR cells), 2 interrupted, 4 usage error (e.g. a bad -k),
    # 5 nothing selected.
    try:
        code = {0: 0, 1: 1, 2: 130, 3: 3, 4: 2, 5: 0}.get(int(pytest.main(argv)), 1)
    except KeyboardInterrupt:
        _remove_run_containers(config.run_id)
        raise
    except Exception:
        # pytest's own report of an interrupt can fail (a frame of the traceback with no
        # line number, as an interrupt at the wrong instruction leaves on Python 3.11): an
        # interrupt is still an interrupt, cleaned up and 130
        if not _interrupted:
            raise
        _remove_run_containers(config.run_id)
        raise KeyboardInterrupt from None
    if code == 130 or _interrupted:
        _remove_run_containers(config.run_id)
        return 130
    if baseline is None or code == 3:
        return code
    from .report.diff import diff_reports, exit_code, render_diff

    diff = diff_reports(baseline, load_report(f"{config.report_dir}/matrix.json"))
    print(render_diff(diff))
    return exit_code(diff)


def _remove_run_containers(run_id: str) -> None:
    """After an interrupt: whatever the run's processes could not remove themselves."""
    import signal as signals

    from .build import engine

    signals.signal(signals.SIGINT, signals.SIG_IGN)  # a second Ctrl-C must not stop this
    try:
        engine.remove_containers(engine.client(timeout=60), run_id)
    except MatrixError:
        pass


def _list(args: argparse.Namespace) -> int:
    from .core.cells import build_cells

    config = run_config.parse(_values(args, run_config.SELECTION))
    for cell in build_cells(config.selection, config.definition):
        print(cell.id)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from .report.diff import diff_files, exit_code, render_diff

    diff = diff_files(args.old, args.new)
    print(render_diff(diff))
    return exit_code(diff)


def _claims(args: argparse.Namespace) -> int:
    from .report import load_report, write_reports
    from .report.claims import check_claims, load_claims, render_claims

    claims = load_claims(args.claims_file)  # a bad file: one line, exit 2
    report = load_report(args.report)
    checked = check_claims(claims, report)
    print(render_claims(checked), end="")
    if args.report_dir:
        report["claims"] = checked
        for path in write_reports(report, args.report_dir):
            print(f"report: {path}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from .report import write_reports
    from .report.merge import load_and_merge

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
    from .managers import recipe_book

    return list(recipe_book().kinds())


def _mirror(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .managers import artifact_cache, recipe_book

    cache = artifact_cache("offline")
    if args.mirror_command == "add":
        for key in recipe_book().add(cache, args.kind, Path(args.path)):
            print(f"added {key}")
        return 0
    for key, artifact in sorted(cache.index().items()):
        print(f"{key}  sha256:{artifact.sha256}  {artifact.source}")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from .build import engine

    cli = engine.client()
    containers = engine.reap(cli, unowned=True)
    if args.containers:
        print(f"removed {containers} containers of runs that are no longer alive")
        return 0
    images = 0
    for _ in range(6):  # children before parents: repeat until nothing more goes
        removed = engine.remove_images(cli)
        images += removed
        if not removed:
            break
    print(f"removed {containers} containers and {images} images labelled io.govm-matrix")
    return 0


_interrupted = False  # set by the first Ctrl-C or SIGTERM, whoever catches what it raises


def _interrupt(signum, frame) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # a CI job's cancel cleans up like Ctrl-C
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when ignored
        signal.signal(signal.SIGINT, _interrupt)
    parser = _parser()
    args = parser.parse_args(argv)
    args.run_id = uuid.uuid4().hex[:12]
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        commands = {"run": _run, "list": _list, "diff": _diff, "claims": _claims,
                    "merge": _merge,
                    "baseline": _baseline, "mirror": _mirror, "clean": _clean,
                    "doctor": _doctor}
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
