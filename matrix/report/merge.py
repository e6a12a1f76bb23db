"""Join the reports of shards 1..N of one matrix into one report (see ``matrix.core.shards``
for how a matrix is split), and add the reports of ``doctor --switch`` runs on real hosts as
real-host rows with a fidelity section (see ``matrix.report.fidelity``).

Each shard's report carries a ``shard`` field::

    {"index": I, "total": N, "matrix": "<fingerprint>"}

where the fingerprint (:func:`matrix_fingerprint`) is a digest of the report's ``selection``
and the harness version. :func:`merge_reports` joins shards 1..N of one matrix into a report
with the same content as a single run of the whole matrix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..core.errors import MatrixError
from ..core.platforms import SHELL_CONTEXTS
from .fidelity import is_real_host, real_host_cells, real_platform
from .model import SCHEMA, SCHEMA_VERSION, build_report, load_report


def matrix_fingerprint(selection: dict, harness_version: str) -> str:
    """A digest naming one matrix: the selection (as in a report) and the harness version.

    sha256 over canonical JSON (sorted keys, no spaces) of ``{"harness": version,
    "selection": selection}``; the first 16 hex digits.
    """
    canonical = json.dumps({"harness": harness_version, "selection": selection},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def shard_field(selection: dict, harness_version: str, index: int, total: int) -> dict:
    """The ``shard`` field a shard's report carries."""
    return {"index": index, "total": total,
            "matrix": matrix_fingerprint(selection, harness_version)}


def _shard_of(report: dict, name: str) -> dict:
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise MatrixError(f"{name} is not a govm-matrix report")
    if report.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{name} has report schema version {report.get('schema_version')}, "
                          f"this govm-matrix reads version {SCHEMA_VERSION}")
    shard = report.get("shard")
    if not isinstance(shard, dict):
        raise MatrixError(f"{name} has no shard field: it is not the report of a sharded "
                          f"run (run each part with --shard I/N)")
    index, total = shard.get("index"), shard.get("total")
    if not (isinstance(index, int) and isinstance(total, int) and 1 <= index <= total):
        raise MatrixError(f"{name} has a bad shard field {shard!r}: expected index I and "
                          f"total N with 1 <= I <= N")
    own = matrix_fingerprint(report.get("selection"), (report.get("harness") or {}).get("version"))
    if shard.get("matrix") != own:
        raise MatrixError(f"{name} says it is a shard of matrix {shard.get('matrix')}, but its "
                          f"selection and harness version make matrix {own}")
    return shard


def _check_shards(reports: list[dict], names: list[str]) -> None:
    shards = [_shard_of(report, name) for report, name in zip(reports, names, strict=True)]
    first, first_name = shards[0], names[0]
    seen: dict[int, str] = {}
    for shard, name in zip(shards, names, strict=True):
        if shard["matrix"] != first["matrix"] or shard["total"] != first["total"]:
            raise MatrixError(f"shards of different matrices: {first_name} is shard "
                              f"{first['index']}/{first['total']} of matrix {first['matrix']}, "
                              f"{name} is shard {shard['index']}/{shard['total']} of matrix "
                              f"{shard['matrix']}")
        if shard["index"] in seen:
            raise MatrixError(f"shard {shard['index']}/{shard['total']} given twice: "
                              f"{seen[shard['index']]} and {name}")
        seen[shard["index"]] = name
    missing = [i for i in range(1, first["total"] + 1) if i not in seen]
    if missing:
        total = first["total"]
        raise MatrixError(f"missing shard(s) {', '.join(f'{i}/{total}' for i in missing)}; "
                          f"a merge needs every shard 1..{total}")
    checks = reports[0].get("checks")
    for report, name in zip(reports, names, strict=True):
        if report.get("checks") != checks:
            raise MatrixError(f"{name} ran other checks than {first_name}; merge shards of one "
                              f"govm-matrix version")


def _merged_cells(reports: list[dict], names: list[str]) -> list[dict]:
    owner: dict[str, str] = {}
    cells = []
    for report, name in zip(reports, names, strict=True):
        for cell in report["cells"]:
            if cell["id"] in owner:
                raise MatrixError(f"cell {cell['id']} is in two shards ({owner[cell['id']]} and "
                                  f"{name}); shards must not overlap")
            owner[cell["id"]] = name
            cell = dict(cell)
            if "shell_order" not in cell:
                shell = cell.get("shell")
                cell["shell_order"] = (SHELL_CONTEXTS.index(shell) if shell in SHELL_CONTEXTS
                                       else len(SHELL_CONTEXTS))
            cells.append(cell)
    return cells


def merge_provenance(provenances: list[dict]) -> dict:
    """Images, platforms and managers unioned (first wins), artifacts unioned by key, the
    network and Docker Engine (and any other key) taken from the first shard."""
    merged = dict(provenances[0])
    for key in ("images", "platforms", "managers"):
        union: dict = {}
        for prov in provenances:
            for name, value in (prov.get(key) or {}).items():
                union.setdefault(name, value)
        merged[key] = union
    artifacts: dict[str, dict] = {}
    for prov in provenances:
        for art in prov.get("artifacts") or []:
            artifacts.setdefault(art["key"], art)
    merged["artifacts"] = list(artifacts.values())
    return merged


def merge_reports(reports: list[dict], names: list[str] | None = None) -> dict:
    """Join shard reports 1..N of one matrix into one report, as a single run would write it.

    The shards are taken in index order whatever the order given (provenance that is not
    unioned comes from shard 1). ``names`` (e.g. the file paths) name the reports in error
    messages. Refuses with MatrixError (exit 2): a report of another schema or schema
    version, one without a ``shard`` field, shards of different matrices (fingerprint or
    total), a shard index given twice, a cell in two shards, and missing shards (named).
    """
    if not reports:
        raise MatrixError("no shard reports to merge; give the reports of shards 1..N")
    names = list(names) if names else [f"report {i}" for i in range(1, len(reports) + 1)]
    _check_shards(reports, names)
    order = sorted(range(len(reports)), key=lambda i: reports[i]["shard"]["index"])
    reports, names = [reports[i] for i in order], [names[i] for i in order]
    cells = _merged_cells(reports, names)
    first = reports[0]
    run_ids = list(dict.fromkeys(r.get("run_id") for r in reports))
    merged = build_report(cells, first["selection"],
                          merge_provenance([r.get("provenance") or {} for r in reports]),
                          complete=all(r.get("complete", True) for r in reports),
                          run_id=run_ids[0] if len(run_ids) == 1 else None)
    merged["harness"] = dict(first["harness"])
    merged["checks"] = list(first["checks"])
    merged["merged_from"] = [{"shard": dict(r["shard"]), "run_id": r.get("run_id"),
                              "generated_at": r.get("generated_at")}
                             for r in reports]
    return merged


def add_real_hosts(base: dict, hosts: list[dict], names: list[str]) -> dict:
    """The emulated matrix ``base`` with the cells of real-host ``doctor --switch`` reports as
    rows ``real-<host>`` and the fidelity section that compares them. Refuses a cell given
    twice (two reports of one host, manager, transition, scope and shell context)."""
    cells = [dict(c) for c in base["cells"]]
    owner: dict[str, str] = {}
    extra_platforms: list[str] = []
    provenance = dict(base.get("provenance") or {})
    provenance["platforms"] = dict(provenance.get("platforms") or {})
    real_hosts = []
    for report, name in zip(hosts, names, strict=True):
        for cell in real_host_cells(report, name):
            if cell["id"] in owner:
                raise MatrixError(f"cell {cell['id']} is in two real-host reports "
                                  f"({owner[cell['id']]} and {name}); give one report per "
                                  "host, manager, switch and scope")
            owner[cell["id"]] = name
            cells.append(cell)
        host = report["host"]
        platform = real_platform(host)
        if platform not in extra_platforms:
            extra_platforms.append(platform)
        prov = report.get("provenance") or {}
        for plat in (prov.get("platforms") or {}).values():
            provenance["platforms"].setdefault(platform, plat)
        real_hosts.append({**host, "platform": platform, "run_id": report.get("run_id"),
                           "generated_at": report.get("generated_at"), "file": name,
                           "managers": prov.get("managers") or {},
                           "restored": prov.get("restored") or {}})
    selection = dict(base["selection"])
    selection["platforms"] = [*selection.get("platforms", []),
                              *[p for p in extra_platforms
                                if p not in selection.get("platforms", [])]]
    merged = build_report(cells, selection, provenance, complete=base.get("complete", True),
                          run_id=base.get("run_id"))
    for key in ("harness", "checks", "merged_from", "claims", "events"):
        if key in base:
            merged[key] = base[key]
    merged["real_hosts"] = real_hosts
    return merged


def merge_all(reports: list[dict], names: list[str]) -> dict:
    """Shard reports 1..N (or one unsharded report) of the emulated matrix, plus any number of
    real-host ``doctor --switch`` reports, as one report."""
    hosts = [(r, n) for r, n in zip(reports, names, strict=True) if is_real_host(r)]
    emulated = [(r, n) for r, n in zip(reports, names, strict=True) if not is_real_host(r)]
    if not emulated:
        raise MatrixError("only real-host reports were given; merge them with the emulated "
                          "matrix's report (one run's matrix.json, or the reports of its "
                          "shards 1..N)")
    if len(emulated) == 1 and "shard" not in emulated[0][0]:
        base = emulated[0][0]
    else:
        base = merge_reports([r for r, _ in emulated], [n for _, n in emulated])
    if not hosts:
        return base
    return add_real_hosts(base, [r for r, _ in hosts], [n for _, n in hosts])


def load_and_merge(paths: list[str | Path]) -> dict:
    """Load report files (refusing other schemas and truncated JSON) and merge them: shards
    of the emulated matrix, and real-host reports beside them."""
    return merge_all([load_report(path) for path in paths], [str(path) for path in paths])
