"""doctor's document as text for a person: readable without colour, every verdict a symbol and
a word, as in the matrix's reports."""

from __future__ import annotations

from ..core.verdicts import SEVERITY, Verdict


def _mark(verdict: str) -> str:
    v = Verdict(verdict)
    return f"{v.symbol} {v.value}"


def _table(header: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = (str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        return (indent + "  ".join(cells)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *[line(r) for r in rows]]


def _value(values: dict) -> str:
    exported, effective = values.get("exported"), values.get("effective")
    if exported and exported == effective:
        return f"{exported} (exported)"
    if exported:
        return f"{effective or '-'} (exported: {exported})"
    return effective or "-"


def _worst(doc: dict, name: str) -> str:
    verdicts = [f["verdict"] for f in doc["findings"] if name in f["contexts"]]
    if not verdicts:
        return "✓ no finding"
    worst = min(verdicts, key=lambda v: SEVERITY.index(Verdict(v)))
    return _mark(worst) + (f" (+{len(verdicts) - 1})" if len(verdicts) > 1 else "")


def _build(ctx: dict) -> str:
    build = ctx.get("build")
    if not build:
        return "-"
    if build.get("runtime_version"):
        return f"ok, {build['runtime_version']}"
    return "FAILS"


def render(doc: dict) -> str:
    platform = doc["platform"]
    out = [f"govm-matrix doctor: {platform['name']}, user {platform['user']}, login shell "
           f"{platform['login_shell']}; read-only, {doc['seconds']} s", ""]
    installs = doc["installs"]
    out.append(f"Go installs ({len(installs)}):")
    rows = [[f"go{i['version']}", i["root"], i["label"]] for i in installs]
    out += _table(["version", "folder", "put there by"], rows) if rows else ["  none"]
    out += ["", "Shell contexts:"]
    rows = []
    for name, ctx in doc["contexts"].items():
        if ctx.get("error"):
            rows.append([name, "?", "no snapshot", "-", "-", _worst(doc, name)])
            continue
        if not ctx.get("go"):
            rows.append([name, "-", "no go on PATH", "-", "-", _worst(doc, name)])
            continue
        origin = ctx.get("from") or {}
        rows.append([name, f"go{ctx['version']}" if ctx.get("version") else "FAILS",
                     ctx["go"], origin.get("kind", "-"), _build(ctx), _worst(doc, name)])
    out += _table(["context", "version", "go", "from", "build", "findings"], rows)
    for name, ctx in doc["contexts"].items():
        if not ctx.get("go"):
            continue
        toolchain = ctx["gotoolchain"]
        facts = [["GOROOT", _value(ctx["goroot"])], ["GOPATH", _value(ctx["gopath"])],
                 ["GOBIN", _value(ctx["gobin"])],
                 ["GOTOOLCHAIN", f"{toolchain['value'] or '-'}"
                  + (f" ({toolchain['from']})" if toolchain.get("from") else "")]]
        for i, e in enumerate(ctx.get("path") or []):
            what = ", ".join(filter(None, [
                " ".join(filter(None, [f"go{e['version']}" if e.get("version") else None,
                                       e["kind"], "shims" if e.get("shims") else None])),
                "shadowed" if e.get("shadowed") else None]))
            facts.append(["PATH" if i == 0 else "", f"{e['position']}. {e['entry']} ({what})"])
        if ctx.get("build") and not ctx["build"].get("runtime_version"):
            error = (ctx["build"].get("error") or "").strip().splitlines()
            facts.append(["build", f"fails: {error[-1] if error else 'no output'}"])
        out += ["", f"{name} ({ctx['command']}):"]
        out += [f"  {key:<12} {value}".rstrip() for key, value in facts]
    findings = doc["findings"]
    out += ["", f"Findings ({len(findings)}):" if findings else "Findings: none"]
    for f in findings:
        out.append(f"  {_mark(f['verdict'])} [{', '.join(f['contexts'])}] {f['message']}")
        out.append(f"      fix: {f['fix']}")
    out.append("")
    out.append("Exit status 1: a LEAK or BROKEN finding." if doc["exit_status"]
               else "Exit status 0: no LEAK or BROKEN finding.")
    return "\n".join(out) + "\n"
