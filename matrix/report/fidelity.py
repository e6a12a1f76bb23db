"""Real hosts beside the emulated profiles: the cells of ``doctor --switch`` reports (made on a
real Ubuntu runner, a real macOS runner, a real WSL2 distribution) as rows of the published
matrix, and the fidelity section, every cell where an emulated profile and the real host it
stands for disagree.

A ``doctor --switch`` report names its machine in its ``host`` field::

    {"name": "linux", "stands_for": "ubuntu", "machine": "<what it is>", "runner": "<CI runner>"}

Merged, its cells become platform ``real-<name>`` (``real-linux``, ``real-macos``,
``real-wsl2``; the prefix keeps a real WSL2 row apart from the emulated ``wsl2`` profile) and
carry that field as ``real_host``. A real-host cell is compared with the emulated cell of the
same manager, versions, scope and shell context on the profile it stands for, in the clean
scenario (the only one a real machine runs), check by check, where both decided the check
(a SKIPPED or ERROR check says nothing about the machine; ``atomic`` is not measured on real
hosts).
"""

from __future__ import annotations

from ..core.errors import MatrixError
from ..core.verdicts import Verdict

REAL_PREFIX = "real-"
#: the emulated profile each kind of real host stands for
STANDS_FOR = {"linux": "ubuntu", "macos": "macos-runner", "wsl2": "wsl2"}
UNDECIDED = {Verdict.SKIPPED.value, Verdict.ERROR.value}
MAX_EVIDENCE = 6


def host_field(name: str, machine: str, runner: str | None) -> dict:
    """The ``host`` field a ``doctor --switch`` report carries."""
    return {"name": name, "stands_for": STANDS_FOR.get(name, name),
            "machine": machine.removeprefix("nothing: "), "runner": runner}


def is_real_host(report: dict) -> bool:
    return isinstance(report.get("host"), dict)


def real_platform(host: dict) -> str:
    return REAL_PREFIX + host["name"]


def real_host_cells(report: dict, name: str) -> list[dict]:
    """A ``doctor --switch`` report's cells as real-host rows of a merged matrix."""
    host = report["host"]
    if host.get("name") not in STANDS_FOR:
        raise MatrixError(f"{name} is from a host {host.get('name')!r}; real hosts are "
                          f"{', '.join(STANDS_FOR)}")
    platform = real_platform(host)
    cells = []
    for cell in report.get("cells") or []:
        if cell.get("platform") != host["name"]:
            raise MatrixError(f"{name}: cell {cell.get('id')} is not of its host "
                              f"{host['name']}; is the file edited?")
        cell = dict(cell)
        cell["id"] = platform + cell["id"][len(host["name"]):]
        cell["platform"] = platform
        cell["real_host"] = dict(host, report=report.get("run_id"))
        cells.append(cell)
    return cells


def emulated_id(cell: dict) -> str:
    """The id of the emulated cell a real-host cell stands beside."""
    host = cell["real_host"]
    return host["stands_for"] + cell["id"][len(real_platform(host)):]


def _decided(check: dict | None) -> bool:
    return bool(check) and check["verdict"] not in UNDECIDED


def build_fidelity(cells: list[dict]) -> dict | None:
    """``{"compared", "agree", "disagree": [...], "not_compared": [...]}`` over the real-host
    cells, or None when there are none. Each disagreement names both cells and, per check
    that differs, both verdicts and both evidences."""
    real = [c for c in cells if c.get("real_host")]
    if not real:
        return None
    emulated = {c["id"]: c for c in cells if not c.get("real_host")}
    agree, disagree, not_compared = 0, [], []
    for cell in real:
        twin_id = emulated_id(cell)
        twin = emulated.get(twin_id)
        if twin is None:
            not_compared.append({"real": cell["id"], "emulated": twin_id,
                                 "why": "the emulated matrix has no such cell"})
            continue
        shared = [k for k in cell["checks"] if _decided(cell["checks"][k])
                  and _decided(twin["checks"].get(k))]
        if not shared:
            not_compared.append({"real": cell["id"], "emulated": twin_id,
                                 "why": "no check was decided on both (real "
                                        f"{cell['verdict']}, emulated {twin['verdict']})"})
            continue
        differ = {k: {"real": cell["checks"][k]["verdict"],
                      "emulated": twin["checks"][k]["verdict"],
                      "real_evidence": cell["checks"][k]["evidence"][:MAX_EVIDENCE],
                      "emulated_evidence": twin["checks"][k]["evidence"][:MAX_EVIDENCE]}
                  for k in shared
                  if cell["checks"][k]["verdict"] != twin["checks"][k]["verdict"]}
        if differ:
            disagree.append({"real": cell["id"], "emulated": twin_id,
                             "host": cell["real_host"]["name"],
                             "profile": cell["real_host"]["stands_for"],
                             "compared": shared, "checks": differ})
        else:
            agree += 1
    return {"compared": agree + len(disagree), "agree": agree, "disagree": disagree,
            "not_compared": not_compared}
