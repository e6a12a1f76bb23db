"""The matrix definition: which scenarios run, with which pollution fixtures.

The built-in definition is the default matrix: a clean switch in every scope, plus one
scenario per default pollution fixture (global scope). A TOML file given with --matrix adds
user-defined fixtures and scenarios without Python::

    schema_version = 1
    include_default = true          # keep the built-in scenarios (default true)

    [fixtures.corp-goflags]
    description = "a corporate profile script exporting GOFLAGS"
    rc = ["export GOFLAGS=-mod=vendor"]                 # lines appended to the rc files
    files = [{ path = "/etc/profile.d/corp.sh", content = "export GOPROXY=off\\n", as = "root" }]
    env = { GONOSUMDB = "corp.example" }                # the container's environment
    commands = [{ run = "mkdir -p ~/go/bin" }]          # as = "user" (default) or "root"
    platforms = ["ubuntu", "wsl2"]                      # default: every platform

    [[scenarios]]
    name = "corp"
    pollution = ["corp-goflags", "stale-goroot"]       # built-in fixtures may be used too
    scopes = ["global"]                                 # default ["global"]
    platforms = ["ubuntu"]                              # optional filters
    managers = ["mise"]

Every error names the file, the place in it and the valid values, and exits 2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MatrixError
from .fixtures import BUILTIN, DEFAULT_POLLUTION, Fixture, FixtureSet, Step, check_fields

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEMA_VERSION = 1
# Where a selection applies: every shell (global), the shell it was typed in (session), a
# project folder and what runs inside it (directory).
SCOPES = ("global", "session", "directory")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TOP = {"schema_version", "include_default", "fixtures", "scenarios"}
_FIXTURE = {"description", "rc", "files", "env", "commands", "platforms"}
_SCENARIO = {"name", "pollution", "scopes", "platforms", "managers"}


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario before it meets platforms and managers: pollution and where it applies."""

    name: str
    pollution: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ("global",)
    platforms: tuple[str, ...] = ()  # empty: every platform its fixtures apply to
    managers: tuple[str, ...] = ()  # empty: every manager


@dataclass
class Definition:
    fixtures: FixtureSet = field(default_factory=FixtureSet)
    scenarios: list[ScenarioSpec] = field(default_factory=list)
    source: str = "built-in"
    include_default: bool = True  # the built-in scenarios (and the managers' own) are in it

    def with_scenarios(self, fixtures, scenarios) -> Definition:
        """This definition plus more fixtures and scenarios (a manager's own: those that
        reproduce what its users report), when it includes the default ones."""
        if not self.include_default:
            return self
        merged = FixtureSet(dict(self.fixtures.fixtures))
        for fixture in fixtures:
            merged.fixtures.setdefault(fixture.name, fixture)
        known = {s.name for s in self.scenarios}
        return Definition(merged, self.scenarios + [s for s in scenarios if s.name not in known],
                          self.source, self.include_default)


def default_scenarios() -> list[ScenarioSpec]:
    return [ScenarioSpec("clean", (), SCOPES)] + [
        ScenarioSpec(name, (name,)) for name in DEFAULT_POLLUTION]


def builtin_definition() -> Definition:
    return Definition(FixtureSet(), default_scenarios())


def load_definition(path: str | Path | None, managers: Sequence[str] = ()) -> Definition:
    """The definition to run: the built-in one, or the file's (validated; ``managers`` are
    the manager names a scenario may name)."""
    if not path:
        return builtin_definition()
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MatrixError(f"cannot read matrix file {where}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MatrixError(f"matrix file {where} is not valid TOML: {exc}") from None
    return parse_definition(data, where, managers)


def parse_definition(data: dict, where: str, managers: Sequence[str] = ()) -> Definition:
    _keys(data, _TOP, where)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{where}: schema_version must be {SCHEMA_VERSION}, got "
                          f"{data.get('schema_version')!r}")
    fixtures = FixtureSet()
    for name, spec in _table(data, "fixtures", where).items():
        place = f"{where}: fixtures.{name}"
        if not _NAME.match(name):
            raise MatrixError(f"{place}: names are lower-case letters, digits and '-'")
        if name in BUILTIN:
            raise MatrixError(f"{place}: {name!r} is a built-in fixture; choose another name")
        fixtures.fixtures[name] = _fixture(name, spec, place)
    include = data.get("include_default", True)
    if not isinstance(include, bool):
        raise MatrixError(f"{where}: include_default must be true or false")
    scenarios = default_scenarios() if include else []
    items = data.get("scenarios", [])
    if not isinstance(items, list):
        raise MatrixError(f"{where}: scenarios must be an array of tables ([[scenarios]])")
    for i, spec in enumerate(items):
        scenario = _scenario(spec, f"{where}: scenarios[{i}]", fixtures, managers)
        if any(s.name == scenario.name for s in scenarios):
            raise MatrixError(f"{where}: scenarios[{i}]: name {scenario.name!r} is used twice")
        scenarios.append(scenario)
    if not scenarios:
        raise MatrixError(f"{where}: no scenarios (include_default = false and none defined)")
    return Definition(fixtures, scenarios, where, include)


def _keys(data: object, allowed: set[str], place: str) -> None:
    if not isinstance(data, dict):
        raise MatrixError(f"{place}: expected a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise MatrixError(f"{place}: unknown key {unknown[0]!r}; valid keys: "
                          f"{', '.join(sorted(allowed))}")


def _table(data: dict, key: str, place: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise MatrixError(f"{place}: {key} must be a table")
    return value


def _strings(value: object, place: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MatrixError(f"{place}: expected a list of strings")
    return tuple(value)


def _who(value: object, place: str) -> str:
    if value not in ("user", "root"):
        raise MatrixError(f"{place}: 'as' must be \"user\" or \"root\", got {value!r}")
    return str(value)


def _fixture(name: str, spec: object, place: str) -> Fixture:
    from .platforms import get_platform

    _keys(spec, _FIXTURE, place)
    steps: list[Step] = []
    for i, line in enumerate(_strings(spec.get("rc", []), f"{place}.rc")):
        check_fields(line, f"{place}.rc[{i}]")
        steps.append(Step("rc", line))
    for i, item in enumerate(spec.get("files", [])):
        _keys(item, {"path", "content", "as"}, f"{place}.files[{i}]")
        if not isinstance(item.get("path"), str) or not isinstance(item.get("content"), str):
            raise MatrixError(f"{place}.files[{i}]: needs path and content (strings)")
        for key in ("path", "content"):
            check_fields(item[key], f"{place}.files[{i}].{key}")
        steps.append(Step("file", item["content"], path=item["path"],
                          who=_who(item.get("as", "user"), f"{place}.files[{i}]")))
    for i, item in enumerate(spec.get("commands", [])):
        _keys(item, {"run", "as"}, f"{place}.commands[{i}]")
        if not isinstance(item.get("run"), str):
            raise MatrixError(f"{place}.commands[{i}]: needs run (a string)")
        check_fields(item["run"], f"{place}.commands[{i}].run")
        steps.append(Step(_who(item.get("as", "user"), f"{place}.commands[{i}]"), item["run"]))
    env = _table(spec, "env", place)
    for key, value in env.items():
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key) or not isinstance(value, str):
            raise MatrixError(f"{place}.env: {key!r} must be a variable name with a string "
                              "value")
        check_fields(value, f"{place}.env.{key}")
    platforms = _strings(spec.get("platforms", []), f"{place}.platforms")
    for platform in platforms:
        _named(get_platform, platform, f"{place}.platforms")
    if not steps and not env:
        raise MatrixError(f"{place}: the fixture changes nothing (give rc, files, env or "
                          "commands)")
    description = spec.get("description", name)
    if not isinstance(description, str):
        raise MatrixError(f"{place}.description: expected a string")
    return Fixture(name, description, tuple(steps), tuple(env.items()), platforms)


def _named(lookup, value: str, place: str):
    try:
        return lookup(value)
    except MatrixError as exc:
        raise MatrixError(f"{place}: {exc}") from None


def _scenario(spec: object, place: str, fixtures: FixtureSet,
              known_managers: Sequence[str]) -> ScenarioSpec:
    from .platforms import get_platform

    _keys(spec, _SCENARIO, place)
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise MatrixError(f"{place}: needs a name of lower-case letters, digits and '-'")
    pollution = _strings(spec.get("pollution", []), f"{place}.pollution")
    for fixture in pollution:
        _named(fixtures.get, fixture, f"{place}.pollution")
    scopes = _strings(spec.get("scopes", ["global"]), f"{place}.scopes")
    for scope in scopes:
        if scope not in SCOPES:
            raise MatrixError(f"{place}.scopes: unknown scope {scope!r}; valid scopes: "
                              f"{', '.join(SCOPES)}")
    platforms = _strings(spec.get("platforms", []), f"{place}.platforms")
    for platform in platforms:
        _named(get_platform, platform, f"{place}.platforms")
    managers = _strings(spec.get("managers", []), f"{place}.managers")
    for manager in managers:
        if manager not in known_managers:
            raise MatrixError(f"{place}.managers: unknown manager {manager!r}; valid managers: "
                              f"{', '.join(known_managers)}")
    return ScenarioSpec(name, pollution, scopes or ("global",), platforms, managers)
