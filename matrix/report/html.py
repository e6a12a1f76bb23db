"""The report as one self-contained HTML page: filterable matrix, drill-down per cell.

The page loads nothing from anywhere: CSS and JavaScript are inline. Every verdict is shown as
its symbol and its word as well as a colour, so the page reads without colour. The table rows
are rendered here; the details of each cell (evidence, error, log tail, steps, snapshots) are
embedded once as JSON and turned into a panel by the page's script when a row is opened.
"""

from __future__ import annotations

import json
from html import escape

from ..core.verdicts import SYMBOLS
from .model import transition

TAIL_LINES = 40
TAIL_CHARS = 4000
VERDICT_SYMBOLS = {v.value: s for v, s in SYMBOLS.items()}
FILTERS = (("platform", "platform"), ("manager", "manager"), ("scenario", "scenario"),
           ("shell", "shell context"), ("verdict", "cell verdict"))

CSS = """
[hidden]{display:none!important}
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:0 1.2em 2em;color:#1b1f24}
h1{font-size:1.4em;margin:.8em 0 .3em}h2{font-size:1.1em;margin:1em 0 .4em}
header p{margin:.2em 0}.warn{color:#a40000;font-weight:bold}
details.prov{margin:.4em 0}details.prov ul{margin:.3em 0;padding-left:1.4em}
code,pre{font:12px/1.35 ui-monospace,monospace}
pre{background:#f5f6f8;border:1px solid #dde;padding:.5em;overflow:auto;max-height:30em;
white-space:pre-wrap;word-break:break-all}
#filters{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:end;margin:.6em 0;
position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccd;z-index:1}
#filters label{display:flex;flex-direction:column;font-size:12px;color:#444}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccd;padding:.15em .35em;text-align:left;white-space:nowrap}
th{background:#eef0f4}#matrix th{position:sticky;top:var(--filters-height,3.6em)}
#matrix tbody tr{cursor:pointer}#matrix tbody tr:hover{outline:2px solid #6a8dd0}
#matrix tbody tr.selected{outline:3px solid #2d5bb8}
.v{display:inline-block;padding:0 .35em;border-radius:3px}
.v-PASS{background:#d8f3dc;color:#14532d}.v-LEAK{background:#fcd4d4;color:#7f1010}
.v-BROKEN{background:#f9c9a8;color:#7a2e00}.v-SHARED{background:#dde8fb;color:#1d3d7a}
.v-INACTIVE{background:#ececec;color:#444}.v-UNSUPPORTED{background:#f3e8c2;color:#5c4700}.v-SKIPPED{background:#e4e8f3;color:#2d3a5c}
.v-ERROR{background:#6b1d7a;color:#fff}.cellv{font-weight:bold}
#drilldown{position:fixed;top:0;right:0;bottom:0;width:min(52em,60vw);overflow:auto;
background:#fff;border-left:2px solid #2d5bb8;box-shadow:-4px 0 12px #0003;padding:0 1em 2em;
z-index:2}#drilldown-close{float:right;margin-top:1em}
#drilldown ul{padding-left:1.2em}#drilldown li{margin:.15em 0;white-space:pre-wrap}
#drilldown table td{white-space:normal;vertical-align:top}.bad{color:#a40000;font-weight:bold}
"""

JS = """
(function () {
  const data = JSON.parse(document.getElementById('cell-data').textContent);
  const symbols = JSON.parse(document.getElementById('verdict-symbols').textContent);
  const rows = Array.from(document.querySelectorAll('#matrix tbody tr'));
  const keys = ['platform', 'manager', 'scenario', 'shell', 'verdict'];
  const panel = document.getElementById('drilldown');
  const body = document.getElementById('drilldown-body');
  function apply() {
    const want = {};
    keys.forEach(k => { want[k] = document.getElementById('filter-' + k).value; });
    let shown = 0;
    rows.forEach(r => {
      const ok = keys.every(k => !want[k] || r.dataset[k] === want[k]);
      r.hidden = !ok;
      if (ok) shown++;
    });
    const check = document.getElementById('filter-check').value;
    document.querySelectorAll('#matrix [data-check]').forEach(c => {
      c.hidden = Boolean(check) && c.dataset.check !== check;
    });
    document.getElementById('row-count').textContent =
      'showing ' + shown + ' of ' + rows.length + ' cells';
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function mark(v) { return el('span', (symbols[v] || '') + ' ' + v, 'v v-' + v); }
  function verdictOf(line) {
    return line.split(': ').slice(0, 3).find(p => p in symbols);
  }
  function fold(title, text) {
    const d = el('details');
    d.append(el('summary', title), el('pre', text));
    return d;
  }
  function evidence(cell) {
    const box = el('section');
    box.append(el('h3', 'Evidence per check'));
    Object.entries(cell.checks).forEach(([name, res]) => {
      const h = el('h4', name + ': ');
      h.append(mark(res.verdict));
      const ul = el('ul');
      res.evidence.forEach(line => {
        const v = verdictOf(line);
        ul.append(el('li', line, v && v !== 'PASS' && v !== 'SHARED' ? 'bad' : ''));
      });
      box.append(h, ul);
    });
    return box;
  }
  function steps(cell) {
    const box = el('section');
    box.append(el('h3', 'Commands (' + cell.steps.length + ' steps)'));
    if (!cell.steps.length) { box.append(el('p', 'No command ran.')); return box; }
    const t = el('table');
    const head = el('tr');
    ['step', 'command', 'exit', 'seconds', 'output'].forEach(h => head.append(el('th', h)));
    t.append(head);
    cell.steps.forEach(s => {
      const tr = el('tr');
      const out = el('td');
      if (s.stdout) out.append(fold('stdout', s.stdout));
      if (s.stderr) out.append(fold('stderr', s.stderr));
      const code = el('td'); code.append(el('code', s.command));
      tr.append(el('td', s.step), code, el('td', s.status, s.status === 0 ? '' : 'bad'),
                el('td', s.seconds), out);
      t.append(tr);
    });
    box.append(t);
    return box;
  }
  function open(index) {
    const cell = data[index];
    rows.forEach(r => r.classList.toggle('selected', r.dataset.index === String(index)));
    body.replaceChildren();
    const h = el('h2', cell.id + ' ');
    h.append(mark(cell.verdict));
    body.append(h);
    if (cell.error) body.append(el('p', 'harness: ' + cell.error, 'bad'));
    const info = cell.manager_info || {};
    const facts = el('p', 'image ' + (cell.image || 'none') + '; manager ' +
      [info.name, info.version, info.source].filter(Boolean).join(' ') + '; ran ' +
      cell.run_seconds + ' s');
    body.append(facts, evidence(cell));
    if (cell.log_tail.length) {
      body.append(el('h3', 'Log tail'), el('pre', cell.log_tail.join('\\n')));
    }
    body.append(steps(cell), el('h3', 'Snapshots'));
    const snaps = Object.entries(cell.snapshots || {});
    if (!snaps.length) body.append(el('p', 'No snapshot was taken.'));
    snaps.forEach(([k, v]) => body.append(fold(k, JSON.stringify(v, null, 2))));
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  function close() {
    panel.hidden = true;
    rows.forEach(r => r.classList.remove('selected'));
  }
  rows.forEach(r => r.addEventListener('click', () => open(Number(r.dataset.index))));
  document.querySelectorAll('#filters select').forEach(s => s.addEventListener('change', apply));
  document.getElementById('drilldown-close').addEventListener('click', close);
  document.addEventListener('keydown', e => { if (e.key === 'Escape') close(); });
  function stick() {
    const h = document.getElementById('filters').offsetHeight;
    document.documentElement.style.setProperty('--filters-height', h + 'px');
  }
  window.addEventListener('resize', stick);
  stick();
  apply();
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _mark(verdict: str) -> str:
    symbol = VERDICT_SYMBOLS.get(verdict, "")
    return f'<span class="v v-{_e(verdict)}">{_e(symbol)} {_e(verdict)}</span>'


def _json_script(element_id: str, value: object) -> str:
    """JSON inside <script>, with every "<" escaped so no "</script>" or "<!--" can occur."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{_e(element_id)}">{text}</script>'


def _tail(text: str | None) -> str:
    """The end of a long output: its last lines, at most TAIL_CHARS characters."""
    whole = (text or "").rstrip("\n")
    tail = "\n".join(whole.splitlines()[-TAIL_LINES:])[-TAIL_CHARS:]
    return tail if tail == whole else "…\n" + tail


def _scenario(cell: dict) -> str:
    """The scenario of a cell as one label: transition, scope and pollution."""
    return f"{cell['from']}→{cell['to']} · {cell['scope']} · {_pollution(cell)}"


def _pollution(cell: dict) -> str:
    return ", ".join(cell.get("pollution") or []) or "none"


def _cell_data(cell: dict) -> dict:
    """What the drill-down shows for one cell; output tails only, snapshots whole."""
    image = cell.get("image") or {}
    return {
        "id": cell["id"],
        "verdict": cell["verdict"],
        "error": cell.get("error"),
        "log_tail": list(cell.get("log_tail") or []),
        "checks": cell.get("checks") or {},
        "steps": [{**step, "stdout": _tail(step.get("stdout")), "stderr": _tail(step.get("stderr"))}
                  for step in cell.get("steps") or []],
        "snapshots": cell.get("snapshots") or {},
        "image": image.get("tag"),
        "manager_info": cell.get("manager_info") or {},
        "run_seconds": cell.get("run_seconds", 0),
    }


def _provenance(report: dict) -> str:
    prov = report.get("provenance") or {}
    docker = prov.get("docker") or {}
    items: list[str] = []
    for name, info in (prov.get("platforms") or {}).items():
        base = info.get("base_image") or ""
        items.append(f"<li>platform <b>{_e(name)}</b>: base {_e(info.get('base', '?'))}"
                     + (f" (<code>{_e(base)}</code>)" if base else "") + "</li>")
    for name, info in (prov.get("managers") or {}).items():
        installed = info.get("installed") or {}
        items.append(f"<li>manager <b>{_e(name)}</b> {_e(installed.get('version', '?'))}: "
                     f"{_e(installed.get('source', '?'))}</li>")
    for key, image in (prov.get("images") or {}).items():
        state = f"built in {image.get('seconds')} s" if image.get("built") else "reused"
        items.append(f"<li>image {_e(key)}: <code>{_e(image.get('tag'))}</code> "
                     f"({_e(state)})</li>")
    for art in prov.get("artifacts") or []:
        items.append(f"<li>artifact <code>{_e(art.get('key'))}</code> sha256 "
                     f"<code>{_e(art.get('sha256'))}</code> from {_e(art.get('source'))} "
                     f"(checked <code>{_e(art.get('origin_digest'))}</code>)</li>")
    docker_text = (f"Docker Engine {_e(docker.get('version'))} (API "
                   f"{_e(docker.get('api_version'))})" if docker else "Docker Engine: unknown")
    return (f'<p id="provenance-summary">{docker_text}; network '
            f'<b>{_e(prov.get("network", "?"))}</b></p>'
            f'<details class="prov" id="provenance" open><summary>Provenance: bases, managers, '
            f'images, artifacts</summary><ul>{"".join(items)}</ul></details>')


def _header(report: dict) -> str:
    harness = report.get("harness") or {}
    summary = report.get("summary") or {}
    totals = ", ".join(f"{_mark(v)} {n}" for v, n in (summary.get("by_verdict") or {}).items()
                       if n)
    legend = "; ".join(f"{_mark(v)} {_e(text)}" for v, text in
                       (report.get("verdicts") or {}).items())
    incomplete = ("" if report.get("complete", True)
                  else '<p class="warn">Incomplete run: some cells did not run.</p>')
    return (f"<header><h1>govm-matrix: what stays behind when Go is switched</h1>"
            f'<p id="generated">Generated {_e(report.get("generated_at", "?"))} by '
            f'{_e(harness.get("name", "govm-matrix"))} {_e(harness.get("version", "?"))}; '
            f'report schema {_e(report.get("schema_version", "?"))}; '
            f'{_e(summary.get("cells", len(report.get("cells") or [])))} cells</p>'
            f"{incomplete}{_provenance(report)}"
            f'<p id="totals">Totals: {totals or "none"}</p>'
            f'<p id="legend">Legend: {legend}</p></header>')


def _select(key: str, label: str, values: list[str], every: str) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return (f'<label for="filter-{key}">{_e(label)}<select id="filter-{key}">'
            f'<option value="">{_e(every)}</option>{options}</select></label>')


def _filters(report: dict) -> str:
    cells = report.get("cells") or []
    values = {
        "platform": [c["platform"] for c in cells],
        "manager": [c["manager"] for c in cells],
        "scenario": [_scenario(c) for c in cells],
        "shell": [c["shell"] for c in cells],
        "verdict": [v for v in VERDICT_SYMBOLS if any(c["verdict"] == v for c in cells)],
    }
    parts = [_select(key, label, list(dict.fromkeys(values[key])), "all")
             for key, label in FILTERS]
    parts.insert(4, _select("check", "check column", list(report.get("checks") or []),
                            "all checks"))
    return (f'<div id="filters">{"".join(parts)}'
            f'<span id="row-count">{len(cells)} cells</span></div>')


def _row(index: int, cell: dict, checks: list[str]) -> str:
    attrs = {"platform": cell["platform"], "manager": cell["manager"],
             "scenario": _scenario(cell), "shell": cell["shell"], "verdict": cell["verdict"]}
    data = "".join(f' data-{k}="{_e(v)}"' for k, v in attrs.items())
    marks = []
    for name in checks:
        result = (cell.get("checks") or {}).get(name)
        inner = _mark(result["verdict"]) if result else ""
        marks.append(f'<td data-check="{_e(name)}">{inner}</td>')
    return (f'<tr id="cell-{index}" data-index="{index}" data-id="{_e(cell["id"])}"{data}>'
            f'<td>{_e(cell["platform"])}</td><td>{_e(cell["manager"])}</td>'
            f'<td>{_e(transition(cell))}</td><td>{_e(cell["scope"])}</td>'
            f'<td>{_e(_pollution(cell))}</td><td>{_e(cell["shell"])}</td>{"".join(marks)}'
            f'<td class="cellv">{_mark(cell["verdict"])}</td></tr>')


def _table(report: dict) -> str:
    cells = report.get("cells") or []
    checks = list(report.get("checks") or [])
    if not cells:
        return '<p id="no-cells">No cells ran.</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in
                   ("platform", "manager", "transition", "scope", "pollution", "shell"))
    head += "".join(f'<th data-check="{_e(n)}">{_e(n)}</th>' for n in checks) + "<th>cell</th>"
    body = "".join(_row(i, c, checks) for i, c in enumerate(cells))
    return (f'<p>Click a row for its evidence, commands and snapshots.</p>'
            f'<table id="matrix"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def render_html(report: dict) -> str:
    """The whole report as one HTML page that needs no network and no other file."""
    cells = report.get("cells") or []
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>govm-matrix report {_e(report.get('generated_at', ''))}</title>"
        f"<style>{CSS}</style></head><body>"
        f"{_header(report)}<main><h2>Matrix</h2>{_filters(report)}{_table(report)}</main>"
        '<aside id="drilldown" hidden aria-label="cell details">'
        '<button type="button" id="drilldown-close">close ✕</button>'
        '<div id="drilldown-body"></div></aside>'
        f'{_json_script("verdict-symbols", VERDICT_SYMBOLS)}'
        f'{_json_script("cell-data", [_cell_data(c) for c in cells])}'
        f"<script>{JS}</script></body></html>\n"
    )
