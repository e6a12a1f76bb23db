"""Published claims held against the matrix's own evidence.

A claims file (TOML) names its source and lists claims, each about one manager (or about a
platform, for the GOPATH shapes) and one column of the answer table (``answers.COLUMNS``)::

    schema_version = 1
    source = "An article on Go environment configuration, section 2.3"

    [[claims]]
    manager = "sdkman"
    column = "atomic"
    says = "atomic"          # the source's own words
    claimed = "atomic"       # what they mean, in the column's vocabulary (answers.VALUES)

    [[claims]]
    column = "gopath-spaces" # a machine column: no manager, a platform instead
    platform = "ubuntu"
    says = "fails on Linux"
    claimed = "fails"

Each claim comes out ``confirmed`` (the measured answer is the claimed value), ``refuted`` (it
is another) or ``untested`` (the report holds no measured answer for it: the manager's cells
were SKIPPED, the column's cells did not run, the platform is not in the report), with the
measured answer's text and the cells behind it. A bad file is one line naming the file, the
place in it and the valid values (exit 2).
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import MatrixError
from ..core.platforms import PLATFORMS
from ..managers import available
from .answers import COLUMNS, MACHINE_COLUMNS, VALUES, machine_answers, manager_answers

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SCHEMA_VERSION = 1
#: a claim no measurement can confirm or refute ("depends on the user's script"): listed, with
#: what was measured, and always untested
UNTESTABLE = "untestable"
_KEYS = {"manager", "column", "platform", "says", "claimed", "source", "note"}


def load_claims(path: str | Path) -> dict:
    """Read and validate a claims file: ``{"file", "source", "claims": [...]}``, the file
    named as ``shown_path`` names it."""
    name = shown_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MatrixError(f"cannot read claims file {name}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MatrixError(f"{name}: not valid TOML ({exc})") from None
    if data.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{name}: schema_version must be {SCHEMA_VERSION}, got "
                          f"{data.get('schema_version')!r}")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise MatrixError(f"{name}: `source` must name where the claims come from (a string)")
    unknown = sorted(set(data) - {"schema_version", "source", "url", "claims"})
    if unknown:
        raise MatrixError(f"{name}: unknown key {unknown[0]!r}; valid keys: schema_version, "
                          "source, url, claims")
    claims = data.get("claims")
    if not isinstance(claims, list) or not claims:
        raise MatrixError(f"{name}: no [[claims]] table; each claim names a column, what the "
                          "source says and the claimed value")
    return {"file": name, "source": source.strip(), "url": data.get("url"),
            "claims": [_claim(name, i, c, source.strip()) for i, c in enumerate(claims)]}


def _claim(name: str, index: int, raw: object, source: str) -> dict:
    place = f"{name}: claims[{index}]"
    if not isinstance(raw, dict):
        raise MatrixError(f"{place}: must be a table with column, says and claimed")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise MatrixError(f"{place}: unknown key {unknown[0]!r}; valid keys: "
                          f"{', '.join(sorted(_KEYS))}")
    column = raw.get("column")
    if column not in VALUES:
        raise MatrixError(f"{place}.column: {column!r} is not a column; valid columns: "
                          f"{', '.join(VALUES)}")
    manager = raw.get("manager")
    if column in MACHINE_COLUMNS:
        if manager not in (None, "*"):
            raise MatrixError(f"{place}.manager: {column} is about a platform, not a manager; "
                              "leave manager out and name a platform")
        manager = None
    elif manager not in available():
        raise MatrixError(f"{place}.manager: {manager!r} is not a manager; valid managers: "
                          f"{', '.join(available())}")
    platform = raw.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise MatrixError(f"{place}.platform: {platform!r} is not a platform; valid "
                          f"platforms: {', '.join(PLATFORMS)}")
    claimed = raw.get("claimed")
    if claimed not in (*VALUES[column], UNTESTABLE):
        raise MatrixError(f"{place}.claimed: {claimed!r} is not a value of {column}; valid "
                          f"values: {', '.join((*VALUES[column], UNTESTABLE))}")
    says = raw.get("says")
    if not isinstance(says, str) or not says.strip():
        raise MatrixError(f"{place}.says: must quote what the source says (a string)")
    return {"manager": manager, "column": column, "platform": platform, "claimed": claimed,
            "says": says.strip(), "source": str(raw.get("source") or source),
            "note": raw.get("note")}


def _measured(claim: dict, cells: list[dict]) -> dict | None:
    column, platform = claim["column"], claim["platform"]
    if platform and not any(c["platform"] == platform for c in cells):
        return {"value": None, "text": f"{platform} is not in this report", "cells": []}
    if column in MACHINE_COLUMNS:
        found = machine_answers([c for c in cells if not platform or c["platform"] == platform])
        answers = [a[column] for a in found.values() if column in a]
        if not answers:
            return {"value": None, "text": f"no {column} cell in this report", "cells": []}
        bad = [a for a in answers if a["value"] == "fails"]
        return bad[0] if bad else answers[0]
    mine = [c for c in cells if c["manager"] == claim["manager"]
            and (not platform or c["platform"] == platform)]
    if not mine:
        return {"value": None, "text": f"{claim['manager']} is not in this report",
                "cells": []}
    return manager_answers(mine)["columns"][column]


def check_claims(claims: dict, report: dict) -> dict:
    """Every claim of a loaded claims file against a report: the ``claims`` section of a
    report, ``{"file", "source", "results": [...], "counts"}``."""
    cells = report.get("cells") or []
    results = []
    for claim in claims["claims"]:
        measured = _measured(claim, cells) or {"value": None, "text": "", "cells": []}
        value = measured.get("value")
        status = ("untested" if value is None or claim["claimed"] == UNTESTABLE else
                  "confirmed" if value == claim["claimed"] else "refuted")
        results.append({**claim, "status": status, "measured": value,
                        "text": measured.get("text", ""),
                        "cells": list(measured.get("cells") or [])[:5]})
    counts = {s: sum(1 for r in results if r["status"] == s)
              for s in ("confirmed", "refuted", "untested")}
    return {"file": claims["file"], "source": claims["source"], "url": claims.get("url"),
            "results": results, "counts": counts}


_STATUS = {"confirmed": "✓ confirmed", "refuted": "✗ refuted", "untested": "· untested"}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def shown_path(path: str | Path) -> str:
    """A file as a report names it: from the folder the command runs in when it is inside it
    (``claims/go-env-article.toml``, the same on every machine and checkout), else whole."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def measured_words(value: str | None, text: str) -> str:
    """What was measured, in words: the value, then what shows it, without saying the value
    twice when the words already start with it ("works: `go install` … succeed")."""
    if value is None:
        return text or "-"
    if not text or text == value:
        return value
    if text.startswith((f"{value}:", f"{value} ")):
        return text
    return f"{value}: {text}"


def render_claims(checked: dict) -> str:
    """The checked claims as Markdown: one row per claim, then the counts."""
    counts = checked["counts"]
    out = [f"## Claims checked: {checked['source']}", "",
           f"From `{checked['file']}`: {counts['confirmed']} confirmed, {counts['refuted']} "
           f"refuted, {counts['untested']} untested.", "",
           _row(["manager", "column", "the source says", "claimed", "verdict", "measured",
                 "evidence"]),
           _row(["---"] * 7)]
    for r in checked["results"]:
        who = r["manager"] or (r["platform"] or "every platform")
        if r["manager"] and r["platform"]:
            who += f" on {r['platform']}"
        title = COLUMNS.get(r["column"]) or MACHINE_COLUMNS.get(r["column"], r["column"])
        measured = measured_words(r["measured"], r["text"])
        if r.get("note"):
            measured += f" ({r['note']})"
        out.append(_row([who, title, r["says"], r["claimed"], _STATUS[r["status"]], measured,
                         f"`{r['cells'][0]}`" if r["cells"] else "-"]))
    out += ["", "Measured on the matrix's platform profiles, which emulate macOS and WSL2 in "
                "Linux containers (see the README for what each one cannot emulate)."]
    return "\n".join(out) + "\n"
