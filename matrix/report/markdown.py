"""The report as Markdown: readable without colour, every verdict shown as a symbol and a word."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..core.verdicts import SEVERITY, Verdict, verdict_of, worst
from .model import transition

MAX_EVIDENCE_PER_CELL = 12


def _mark(verdict: str) -> str:
    v = Verdict(verdict)
    return f"{v.symbol} {v.value}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_markdown(report: dict) -> str:
    cells = report["cells"]
    checks = report["checks"]
    prov = report["provenance"]
    out: list[str] = []
    out.append("# govm-matrix: what stays behind when Go is switched")
    out.append("")
    network = prov.get("network", "?")
    out.append(f"Generated {report['generated_at']} by govm-matrix "
               f"{report['harness']['version']} ({network}); report schema "
               f"{report['schema_version']}; {report['summary']['cells']} cells"
               + ("" if report.get("complete", True) else "; **incomplete run**")
               + (f"; {report['summary']['reused']} cells reused from earlier runs of the same "
                  "inputs" if report["summary"].get("reused") else "") + ".")
    out.append("")
    for line in report.get("events") or []:  # e.g. the Docker daemon going away
        out += [f"**{line}**", ""]
    by = report["summary"]["by_verdict"]
    out.append("Totals: " + ", ".join(f"{_mark(v)} {n}" for v, n in by.items() if n) + ".")
    out.append("")
    out.append("Legend: " + "; ".join(f"{_mark(v)} = {meaning}"
                                       for v, meaning in report["verdicts"].items()) + ".")
    out.append("")
    _answers(out, report.get("answers") or {})
    if report.get("claims"):
        from .claims import render_claims

        out += render_claims(report["claims"]).splitlines() + [""]
    _fidelity(out, report)
    _overview(out, cells)
    for key, title in (("scope", "scope"), ("pollution", "pollution"), ("shell", "shell context")):
        _axis(out, cells, key, title)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for cell in cells:
        groups[(cell["platform"], cell["manager"])].append(cell)
    for (platform, manager), members in groups.items():
        out.append(f"## {platform} × {manager}")
        out.append("")
        out.append(_row(["transition", "scope", "pollution", "shell", *checks, "cell"]))
        out.append(_row(["---"] * (len(checks) + 5)))
        for c in members:
            marks = [_mark(c["checks"][k]["verdict"]) if k in c["checks"] else "" for k in checks]
            out.append(_row([transition(c), c["scope"], _pollution(c), c["shell"],
                             *marks, f"**{_mark(c['verdict'])}**"]))
        out.append("")
    _findings(out, cells)
    _provenance(out, prov)
    return "\n".join(out) + "\n"


GOOD_VALUES = {"isolated", "clean", "per-version", "atomic", "none", "works"}
SHARED_VALUES = {"shared"}


def answer_mark(value: str | None) -> str:
    """✓ for an answer with nothing left behind, ≈ shared by design, ✗ otherwise, · none."""
    if value is None:
        return "·"
    if value in GOOD_VALUES:
        return "✓"
    return "≈" if value in SHARED_VALUES else ("•" if value == "injected" else "✗")


def _answers(out: list[str], answers: dict) -> None:
    managers = answers.get("managers") or {}
    if not managers:
        return
    columns = answers.get("columns") or {}
    out.append("## The answer: what each manager leaves behind")
    out.append("")
    out.append("Measured on a clean machine, per shell context after a switch; each entry "
               "names the cell that shows it (its evidence is below and in matrix.json).")
    out.append("")
    out.append(_row(["manager", *columns.values()]))
    out.append(_row(["---"] * (len(columns) + 1)))
    for name, found in managers.items():
        entries = []
        if found.get("scenario") is None:  # nothing ran: one reason, said once
            first = next(iter(found["columns"].values()), {}) if found["columns"] else {}
            out.append(_row([f"**{name}**", f"{answer_mark(None)} {first.get('text', '')}",
                             *["·"] * (len(columns) - 1)]))
            continue
        for column in columns:
            answer = found["columns"].get(column) or {}
            text = f"{answer_mark(answer.get('value'))} {answer.get('text', '')}"
            if answer.get("cells"):
                text += f" (`{answer['cells'][0]}`)"
            entries.append(text)
        out.append(_row([f"**{name}**", *entries]))
    out.append("")
    machines = answers.get("machines") or {}
    if machines:
        titles = answers.get("machine_columns") or {}
        out.append(_row(["platform", *titles.values()]))
        out.append(_row(["---"] * (len(titles) + 1)))
        for platform, found in machines.items():
            entries = []
            for column in titles:
                answer = found.get(column)
                entries.append(f"{answer_mark(answer.get('value'))} {answer['text']}"
                               if answer else "· not in this run")
            out.append(_row([platform, *entries]))
        out.append("")


def _fidelity(out: list[str], report: dict) -> None:
    """Real hosts against the profiles that emulate them: every disagreement, both evidences."""
    fid = report.get("fidelity")
    if not fid:
        return
    out += ["## Fidelity: emulated profiles against real hosts", ""]
    for host in report.get("real_hosts") or []:
        runner = f", runner {host['runner']}" if host.get("runner") else ""
        out.append(f"- **{host['platform']}** stands beside **{host['stands_for']}**: "
                   f"{host.get('machine', '?')}{runner} (report {host.get('run_id')})")
    out.append("")
    out.append(f"{fid['compared']} real-host cells compared check by check with their emulated "
               f"cells: {fid['agree']} agree, {len(fid['disagree'])} disagree"
               + (f"; {len(fid['not_compared'])} not compared" if fid["not_compared"] else "")
               + ". The atomic check is not measured on real hosts; a SKIPPED or ERROR check "
                 "is not compared.")
    out.append("")
    for item in fid["disagree"]:
        out += [f"### `{item['real']}` vs `{item['emulated']}`", "",
                _row(["check", f"real {item['host']}", f"emulated {item['profile']}"]),
                _row(["---"] * 3)]
        for check, both in item["checks"].items():
            out.append(_row([check, _mark(both["real"]), _mark(both["emulated"])]))
        out.append("")
        for check, both in item["checks"].items():
            for side, label in (("real", f"real {item['host']}"),
                                ("emulated", f"emulated {item['profile']}")):
                out += [f"- {check}, {label}: {line}" for line in both[f"{side}_evidence"]]
        out.append("")
    for item in fid["not_compared"]:
        out.append(f"- not compared: `{item['real']}`: {item['why']}")
    if fid["not_compared"]:
        out.append("")


def _overview(out: list[str], cells: list[dict]) -> None:
    platforms = list(dict.fromkeys(c["platform"] for c in cells))
    managers = list(dict.fromkeys(c["manager"] for c in cells))
    if not cells:
        out += ["No cells ran.", ""]
        return
    out.append("## Overview: platforms × managers")
    out.append("")
    out.append("Each entry: the worst verdict over the platform's cells for that manager, then "
               "the count of cells per verdict.")
    out.append("")
    out.append(_row(["platform", *managers]))
    out.append(_row(["---"] * (len(managers) + 1)))
    by = _by(cells, lambda c: c["platform"])
    for platform in platforms:
        out.append(_row([platform, *(_summary_mark(by.get((platform, m), [])) for m in managers)]))
    out.append("")


def _pollution(cell: dict) -> str:
    return "+".join(cell.get("pollution") or []) or "none"


def _axis(out: list[str], cells: list[dict], key: str, title: str) -> None:
    """One axis against the managers: the worst verdict and the counts per value."""
    value = _pollution if key == "pollution" else (lambda c: c[key])
    values = list(dict.fromkeys(value(c) for c in cells))
    managers = list(dict.fromkeys(c["manager"] for c in cells))
    if len(values) < 2:
        return
    out += [f"## By {title}", "", _row([title, *managers]), _row(["---"] * (len(managers) + 1))]
    by = _by(cells, value)
    for v in values:
        out.append(_row([v, *(_summary_mark(by.get((v, m), [])) for m in managers)]))
    out.append("")


def _by(cells: list[dict], value) -> dict[tuple[str, str], list[dict]]:
    """The cells by (``value`` of the cell, manager), each list in the cells' order."""
    by: dict[tuple[str, str], list[dict]] = {}
    for cell in cells:
        by.setdefault((value(cell), cell["manager"]), []).append(cell)
    return by


def _summary_mark(cells: list[dict]) -> str:
    if not cells:
        return ""
    counts = Counter(c["verdict"] for c in cells)
    detail = " ".join(f"{Verdict(v).symbol}{counts[v.value]}" for v in SEVERITY
                      if counts.get(v.value))
    return f"{_mark(worst(c['verdict'] for c in cells))} ({detail})"


def _not_run_lines(cells: list[dict]) -> list[str]:
    """Cells that did not run (SKIPPED, UNSUPPORTED), one line per verdict, manager and reason:
    their reason is the same for hundreds of cells, and each cell stays in matrix.json."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for cell in cells:
        key = (cell["verdict"], cell["manager"], cell.get("error") or "")
        groups.setdefault(key, []).append(cell)
    lines = []
    for (verdict, manager, reason), members in groups.items():
        platforms = ", ".join(dict.fromkeys(c["platform"] for c in members))
        count = f"{len(members)} cell{'s' if len(members) != 1 else ''}"
        lines.append(f"- {_mark(verdict)}: {count} of {manager} ({platforms})"
                     + (f": {reason}" if reason else ""))
    return lines


def _findings(out: list[str], cells: list[dict]) -> None:
    quiet = (Verdict.PASS.value, Verdict.SHARED.value, Verdict.INACTIVE.value)
    not_run = (Verdict.SKIPPED.value, Verdict.UNSUPPORTED.value)
    notable = [c for c in cells if c["verdict"] not in quiet + not_run]
    skipped = [c for c in cells if c["verdict"] in not_run]
    inactive = [c for c in cells if c["verdict"] == Verdict.INACTIVE.value]
    out.append("## Evidence")
    out.append("")
    if not notable:
        out += ["No cell leaked or broke, and the harness decided every cell it ran.", ""]
    if skipped:
        out.append("Cells that did not run, by manager and reason (each is in matrix.json):")
        out.append("")
        out += _not_run_lines(skipped)
        out.append("")
    if inactive:
        out.append("Cells where the manager is not active (its shell set-up never ran there):")
        out.append("")
        out += [f"- {c['id']}" for c in inactive]
        out.append("")
    for c in notable:
        out.append(f"### {c['id']}: {_mark(c['verdict'])}")
        out.append("")
        if c.get("error"):
            out.append(f"- harness: {c['error']}")
        lines = [f"- {name}: {line}" for name, res in c["checks"].items()
                 for line in res["evidence"]
                 if verdict_of(line) not in ("PASS", "SHARED")]
        out += lines[:MAX_EVIDENCE_PER_CELL]
        if len(lines) > MAX_EVIDENCE_PER_CELL:
            out.append(f"- … {len(lines) - MAX_EVIDENCE_PER_CELL} more in matrix.json")
        if c.get("log_tail"):
            out += ["", "```", *c["log_tail"][-15:], "```"]
        out.append("")


def drift_lines(prov: dict) -> list[str]:
    """One sentence per release that ran instead of its pin (the artifacts' drift records),
    each once."""
    lines: dict[str, None] = {}
    for art in prov.get("artifacts") or []:
        for d in art.get("drift") or []:
            ran = (f"no {d.get('tool')}" if d.get("ran") == "none"
                   else f"{d.get('tool')} {d.get('ran')}")
            checked = d.get("checked_against")
            lines[f"Upstream moved past a pin: {ran} ran, not the pinned {d.get('pinned')}"
                  + (f"; checked against {checked}" if checked else "")] = None
    return list(lines)


def _provenance(out: list[str], prov: dict) -> None:
    out.append("## Provenance")
    out.append("")
    out += [f"- **{line}**" for line in drift_lines(prov)]
    docker = prov.get("docker") or {}
    if docker:
        out.append(f"- Docker Engine {docker.get('version')} (API {docker.get('api_version')})")
    for name, info in (prov.get("platforms") or {}).items():
        out.append(f"- platform **{name}**: emulates {info.get('emulates')}; cannot emulate "
                   f"{info.get('cannot')}; base: {info.get('base')}")
    for name, info in (prov.get("managers") or {}).items():
        installed = info.get("installed") or {}
        out.append(f"- manager **{name}** {installed.get('version', '?')}: "
                   f"{installed.get('source', '?')}")
        for key, text in (info.get("behaviour") or {}).items():
            out.append(f"  - {key}: {text}")
    for key, image in (prov.get("images") or {}).items():
        state = f"built in {image['seconds']} s" if image.get("built") else "reused"
        out.append(f"- image {key}: `{image['tag']}` ({state})")
    for art in prov.get("artifacts") or []:
        if "sha256" not in art:  # a trimmed summary keeps only the drift of an artifact
            continue
        out.append(f"- artifact `{art['key']}` sha256 `{art['sha256']}` from {art['source']} "
                   f"(checked {art['origin_digest']})")
    out.append("")
