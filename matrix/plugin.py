"""The pytest plugin: the run options, one test per cell, one report for all workers.

Loaded through the ``pytest11`` entry point. The matrix suite (``matrix/run/suite``) asks for
the ``cell`` argument; every other test suite is left alone. The options are the ones
``matrix.run.config`` declares; they are validated once into a ``RunConfig`` kept in
``config.stash`` (the CLI hands over one it already validated; workers get the controller's).
Before the cells run, the controlling process builds every image the run needs, with a line
per layer. Each process hands every cell's result over through a file of its own in the
run's folder (``MatrixSession.hand_over``); the controller, or the single process with
``-n0``, reads them and writes the report once at the end of the session.
"""

from __future__ import annotations

import argparse
import re
import shutil

import pytest

from .core.cells import Cell, Scenario, build_cells
from .core.errors import EXIT_ENVIRONMENT, MatrixError
from .core.shards import shard_cells
from .core.verdicts import Verdict
from .run import config as run_config
from .run.config import RunConfig

CONFIG = pytest.StashKey[RunConfig]()
SUITE = "matrix.run.suite"
_ID_RE = re.compile(r"test_cell\[(?P<id>[^\]]+)\]")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("govm-matrix", "govm-matrix: which cells to run and where to report")
    run_config.add_to_pytest(group)
    group.addoption("--govm-config", default=None, help=argparse.SUPPRESS)


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    try:
        given = (workerinput or {}).get("govm_config") or config.getoption("govm_config")
        if given:
            run = RunConfig.from_json(given)
        else:
            values = {opt.dest: config.getoption(f"govm_{opt.dest}")
                      for opt in run_config.OPTIONS}
            run = run_config.parse(values)
    except MatrixError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[CONFIG] = run
    config.pluginmanager.register(Collector(config), "govm-matrix-collector")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(config), "govm-matrix-xdist")


def run_config_of(config: pytest.Config) -> RunConfig:
    return config.stash[CONFIG]


class XdistHooks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_configure_node(self, node) -> None:
        node.workerinput["govm_config"] = run_config_of(self.config).to_json()

    def pytest_xdist_make_scheduler(self, config, log):
        """With --dist loadgroup, the cells of one group go to one worker, in order: they
        share one container run. (xdist's own grouping by mark splits ids holding '/'.)"""
        if config.getoption("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadGroupScheduling

        class CellGroupScheduling(LoadGroupScheduling):
            def _split_scope(self, nodeid: str) -> str:
                match = _ID_RE.search(nodeid)
                if match:
                    return match.group("id").rsplit("/", 1)[0]
                return super()._split_scope(nodeid)

        return CellGroupScheduling(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cell" not in metafunc.fixturenames:
        return
    run = run_config_of(metafunc.config)
    cells = build_cells(run.selection, run.definition)
    if run.shard:
        cells = shard_cells(cells, *run.shard)
    metafunc.parametrize("cell", [
        pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.group)) for c in cells
    ])


@pytest.fixture(scope="session")
def matrix_session(request: pytest.FixtureRequest):
    """The process's MatrixSession (Docker, cache, mirror, images, runs)."""
    from .run.session import MatrixSession

    session = MatrixSession(run_config_of(request.config))
    yield session
    session.close()


def _crashed_cell(cell_id: str, report: pytest.TestReport) -> dict:
    """A cell whose test died before it produced a result is ERROR, never missing."""
    from .run.results import error_cell

    platform, manager, transition, label, shell = cell_id.split("/")
    old, new = transition.split("→")
    scope, _, name = label.partition("+")
    cell = Cell(platform, manager, Scenario(old, new, scope, name=name or "clean"), shell)
    tail = str(report.longrepr).splitlines()[-15:] if report.longrepr else []
    return error_cell(cell, Verdict.ERROR, f"the cell's test failed during {report.when}", tail)


class Collector:
    """Prepares the run in the controller (images first), gathers cell results from test
    reports (its own or the workers'), and writes the one report and removes what the run
    left behind."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict] = {}
        #: cells whose test failed, as ERROR cells: used for those that handed no result over
        self.failed: dict[str, dict] = {}
        self.written: tuple[dict, list] | None = None

    @property
    def controller(self) -> bool:
        return not hasattr(self.config, "workerinput")

    @property
    def runs_the_matrix(self) -> bool:
        """Whether this pytest session runs the matrix suite (the plugin is loaded in every
        session, the project's own tests included)."""
        return any(arg.startswith(SUITE) or SUITE.replace(".", "/") in arg
                   for arg in self.config.args)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Build every image the run needs before the first cell runs (before xdist starts
        its workers), here in the controller, one line per layer."""
        if not self.controller or not self.runs_the_matrix:
            return
        from .run.prepare import build_images, check_prerequisites

        reporter = self.config.pluginmanager.get_plugin("terminalreporter")

        def say(line: str) -> None:
            if reporter is not None:
                reporter.write_line(f"govm-matrix: {line}")

        run = run_config_of(self.config)
        try:
            check_prerequisites(run)
        except MatrixError as exc:
            pytest.exit(f"govm-matrix: {exc}", returncode=exc.exit_code or EXIT_ENVIRONMENT)
        # as many image builds at once as the run has workers (-n 0: one at a time)
        workers = getattr(self.config.option, "numprocesses", None)
        jobs = workers if isinstance(workers, int) and workers > 1 else 1
        say("images: building or finding every layer the run needs")
        build_images(run, say, jobs)
        say("images: ready; running the cells")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        match = _ID_RE.search(report.nodeid)
        if match and report.failed and match.group("id") not in self.failed:
            self.failed[match.group("id")] = _crashed_cell(match.group("id"), report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if not self.controller or exitstatus in (pytest.ExitCode.USAGE_ERROR,
                                                 pytest.ExitCode.INTERNAL_ERROR):
            return
        from .run.session import handed_over

        run = run_config_of(self.config)
        self.results = {**self.failed, **handed_over(self._run_folder(run))}
        # A shard's report is written even when the shard holds no cell, so that `merge`
        # always gets shards 1..N.
        if self.results or run.shard:
            from . import __version__
            from .build.provenance import collect_provenance
            from .report import build_report, write_reports
            from .report.merge import shard_field

            results = list(self.results.values())
            report = build_report(results, run.selection.to_dict(),
                                  collect_provenance(results, run.network),
                                  complete=exitstatus != pytest.ExitCode.INTERRUPTED,
                                  run_id=run.run_id)
            if run.shard:
                report["shard"] = shard_field(report["selection"], __version__, *run.shard)
            if run.claims_file:
                from .report.claims import check_claims, load_claims

                report["claims"] = check_claims(load_claims(run.claims_file), report)
            events = self._daemon_events(run, results)
            if events:
                report["events"] = events
            self.written = (report, write_reports(report, run.report_dir))
        self._cleanup(run)

    def _daemon_events(self, run: RunConfig, results: list[dict]) -> list[str]:
        """What happened to the Docker daemon during the run, one line per event."""
        from .run.daemon import DaemonWatch, describe_events

        state = DaemonWatch(self._run_folder(run)).state()
        return describe_events(state, results)

    def _cleanup(self, run: RunConfig) -> None:
        """Remove every container of this run, whichever process started it."""
        from .build import engine

        try:
            cli = engine.client(timeout=60)
            engine.remove_containers(cli, run.run_id)
            cli.close()
        except Exception as exc:  # the daemon is gone: the next run's reaper removes them
            self.cleanup_note = (f"the containers of this run could not be removed now "
                                 f"({engine.describe(exc)}); the next run, or `govm-matrix "
                                 "clean --containers`, removes them")
        shutil.rmtree(self._run_folder(run), ignore_errors=True)

    @staticmethod
    def _run_folder(run: RunConfig):
        """What the run's processes share while it lasts (``MatrixSession.shared_dir``)."""
        from .supply.cache import ArtifactCache

        return ArtifactCache().root / "runs" / run.run_id

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if not self.written:
            return
        report, paths = self.written
        counts = ", ".join(f"{n} {v}" for v, n in report["summary"]["by_verdict"].items() if n)
        terminalreporter.write_sep("=", "govm-matrix")
        terminalreporter.write_line(f"{report['summary']['cells']} cells: {counts}")
        for line in report.get("events") or []:
            terminalreporter.write_line(line)
        if getattr(self, "cleanup_note", None):
            terminalreporter.write_line(self.cleanup_note)
        if report["summary"].get("reused"):
            terminalreporter.write_line(
                f"{report['summary']['reused']} cells reused from earlier runs of the same "
                "image, scenario, harness and options (--fresh runs them again)")
        if report.get("claims"):
            c = report["claims"]["counts"]
            terminalreporter.write_line(
                f"claims ({report['claims']['file']}): {c['confirmed']} confirmed, "
                f"{c['refuted']} refuted, {c['untested']} untested")
        for path in paths:
            terminalreporter.write_line(f"report: {path}")
