"""The pytest plugin: selection options, one test per cell, one report for all workers.

Loaded through the ``pytest11`` entry point. The matrix suite (``matrix/suite``) asks for the
``cell`` argument; every other test suite is left alone. Workers send each cell's result to the
controller as a user property of its test report (plain dicts only); the controller, or the
single process with ``-n0``, writes the report once at the end of the session.
"""

from __future__ import annotations

import re
import shutil
import uuid

import pytest

from . import __version__
from .cells import Cell, Scenario, build_cells, check_scenarios, make_selection, parse_sources
from .checks import CHECKS
from .definition import load_definition
from .errors import MatrixError
from .platforms import SHELL_CONTEXTS
from .shards import parse_shard, shard_cells, shard_field
from .verdicts import parse_verdicts

PROPERTY = "govm_cell"
_ID_RE = re.compile(r"test_cell\[(?P<id>[^\]]+)\]")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("govm-matrix", "govm-matrix: which cells to run and where to report")
    group.addoption("--platform", action="append", default=[], metavar="NAME",
                    help="platform profile(s) to run; repeat or comma-separate (default: all)")
    group.addoption("--manager", action="append", default=[], metavar="NAME",
                    help="version manager(s) to run; repeat or comma-separate (default: all)")
    group.addoption("--go", action="append", default=[], metavar="VERSION",
                    help="Go versions to switch between, at least two (default: 1.21.13,1.22.10)")
    group.addoption("--scope", action="append", default=[], metavar="SCOPE",
                    help="selection scopes: global, session, directory (default: all)")
    group.addoption("--scenario", action="append", default=[], metavar="NAME",
                    help="scenarios to run, e.g. clean or stale-goroot (default: all)")
    group.addoption("--matrix", default=None, metavar="FILE",
                    help="a matrix definition file (TOML) adding fixtures and scenarios")
    group.addoption("--network", choices=("auto", "online", "offline"), default="auto",
                    help="where artifacts and base images come from (default: auto-detect)")
    group.addoption("--report-dir", default="reports", metavar="DIR",
                    help="where matrix.json and matrix.md are written (default: reports)")
    group.addoption("--shard", default=None, metavar="I/N",
                    help="run only shard I of N (deterministic; whole groups per shard)")
    group.addoption("--manager-source", action="append", default=[], metavar="NAME=PATH",
                    help="install manager NAME from a local build at PATH instead of its "
                         "pinned release (e.g. mise=./target/release/mise)")
    group.addoption("--run-id", default=None, help=argparse_suppress())
    group.addoption("--fail-on", default="", metavar="VERDICTS",
                    help="comma-separated verdicts that fail a cell's test besides ERROR, "
                         "e.g. LEAK,BROKEN (default: none: findings are not failures)")


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


def _selection(config: pytest.Config):
    return make_selection(config.getoption("platform"), config.getoption("manager"),
                          config.getoption("go"), config.getoption("scope"),
                          config.getoption("scenario"))


def pytest_configure(config: pytest.Config) -> None:
    try:
        config._govm_selection = _selection(config)
        config._govm_fail_on = parse_verdicts(config.getoption("fail_on"), "--fail-on")
        shard = config.getoption("shard")
        config._govm_shard = parse_shard(shard) if shard else None
        config._govm_sources = parse_sources(config.getoption("manager_source"))
        config._govm_definition = load_definition(config.getoption("matrix"))
        check_scenarios(config._govm_selection, config._govm_definition)
    except MatrixError as exc:
        raise pytest.UsageError(str(exc)) from None
    workerinput = getattr(config, "workerinput", None)
    config._govm_run_id = ((workerinput or {}).get("govm_run_id")
                           or config.getoption("run_id") or uuid.uuid4().hex[:12])
    config.pluginmanager.register(_Collector(config), "govm-matrix-collector")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(config), "govm-matrix-xdist")


class _XdistHooks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_configure_node(self, node) -> None:
        node.workerinput["govm_run_id"] = self.config._govm_run_id

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
    cells = build_cells(metafunc.config._govm_selection, metafunc.config._govm_definition)
    if metafunc.config._govm_shard:
        cells = shard_cells(cells, *metafunc.config._govm_shard)
    metafunc.parametrize("cell", [
        pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.group)) for c in cells
    ])


@pytest.fixture(scope="session")
def matrix_session(request: pytest.FixtureRequest):
    """The process's MatrixSession (Docker, cache, mirror, images, runs)."""
    from .session import MatrixSession

    config = request.config
    sel = config._govm_selection
    session = MatrixSession(tuple(sel.go), config.getoption("network"), config._govm_run_id,
                            config._govm_sources, config._govm_definition)
    yield session
    session.close()


def _crashed_cell(cell_id: str, report: pytest.TestReport) -> dict:
    """A cell whose test died before it produced a result is ERROR, never missing."""
    platform, manager, transition, label, shell = cell_id.split("/")
    old, new = transition.split("→")
    scope, _, name = label.partition("+")
    cell = Cell(platform, manager, Scenario(old, new, scope, name=name or "clean"), shell)
    reason = f"the cell's test failed during {report.when}"
    tail = str(report.longrepr).splitlines()[-15:] if report.longrepr else []
    data = cell.to_dict()
    data.update(group=cell.group, shell_order=SHELL_CONTEXTS.index(shell), verdict="ERROR",
                error=reason, log_tail=tail, snapshots={}, steps=[], manager_info={},
                manager_behaviour={}, image=None, run_seconds=0.0, active=False,
                checks={k: {"check": k, "verdict": "ERROR", "evidence": [f"ERROR: {reason}"]}
                        for k in CHECKS})
    return data


class _Collector:
    """Gathers cell results from test reports (its own or the workers') and, in the
    controller, writes the one report and removes what the run left behind."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict] = {}
        self.written: tuple[dict, list] | None = None

    @property
    def controller(self) -> bool:
        return not hasattr(self.config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        match = _ID_RE.search(report.nodeid)
        if not match:
            return
        data = dict(report.user_properties).get(PROPERTY)
        if data is not None:
            self.results[data["id"]] = data
        elif report.failed and match.group("id") not in self.results:
            self.results[match.group("id")] = _crashed_cell(match.group("id"), report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if not self.controller or exitstatus in (pytest.ExitCode.USAGE_ERROR,
                                                 pytest.ExitCode.INTERNAL_ERROR):
            return
        # A shard's report is written even when the shard holds no cell, so that `merge`
        # always gets shards 1..N.
        if self.results or self.config._govm_shard:
            from .provenance import collect_provenance
            from .report import build_report, write_reports

            results = list(self.results.values())
            report = build_report(results, self.config._govm_selection.to_dict(),
                                  collect_provenance(results, self.config.getoption("network")),
                                  complete=exitstatus != pytest.ExitCode.INTERRUPTED,
                                  run_id=self.config._govm_run_id)
            if self.config._govm_shard:
                report["shard"] = shard_field(report["selection"], __version__,
                                              *self.config._govm_shard)
            self.written = (report, write_reports(report, self.config.getoption("report_dir")))
            self._cleanup()

    def _cleanup(self) -> None:
        """Remove every container of this run, whichever process started it."""
        from . import docker_env

        try:
            cli = docker_env.client(timeout=60)
        except MatrixError:
            return
        docker_env.remove_containers(cli, self.config._govm_run_id)
        cli.close()
        from .artifacts import ArtifactCache

        shutil.rmtree(ArtifactCache().root / "runs" / self.config._govm_run_id,
                      ignore_errors=True)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if not self.written:
            return
        report, paths = self.written
        counts = ", ".join(f"{n} {v}" for v, n in report["summary"]["by_verdict"].items() if n)
        terminalreporter.write_sep("=", "govm-matrix")
        terminalreporter.write_line(f"{report['summary']['cells']} cells: {counts}")
        for path in paths:
            terminalreporter.write_line(f"report: {path}")
