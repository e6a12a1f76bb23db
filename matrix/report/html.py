"""The report as one self-contained HTML page that leads with its answer.

The page reads from the top down: the answer per manager (what each one leaves behind), the
published claims held against it when there are any, a grid per platform of managers × shell
contexts (the worst verdict of each), and the list of cells with a drill-down per cell.

The page loads nothing from anywhere: CSS and JavaScript are inline. Every verdict is shown as
its symbol and its word as well as a colour, so the page reads without colour. The answer,
claims and grid are rendered here; the cell list is rendered by the page's script from data
embedded once as JSON, a page of rows at a time, so a matrix of thousands of cells stays quick
to open. The embedded data is kept small: every repeated value (an evidence line, a check's
result, the commands of a run, a part of a snapshot, a string in them) is stored once in a
table of values and referred to by its index, and snapshots are kept only for the cells whose
verdict is a finding.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from urllib.parse import quote

from ..core.platforms import SHELL_CONTEXTS
from ..core.verdicts import SEVERITY, SYMBOLS, worst
from .claims import measured_words
from .markdown import answer_mark, drift_lines
from .model import transition

TAIL_LINES = 40
TAIL_CHARS = 4000
#: rows the cell list shows at a time; "show more" adds as many again
PAGE_ROWS = 300
VERDICT_SYMBOLS = {v.value: s for v, s in SYMBOLS.items()}
#: the verdicts of findings: listed first, and the only cells whose snapshots the page keeps
FINDINGS = ("ERROR", "LEAK", "BROKEN")
#: verdicts folded into one line per group unless the verdict filter asks for them
FOLDED = ("SKIPPED", "UNSUPPORTED")
FILTERS = (("platform", "platform"), ("manager", "manager"), ("scenario", "scenario"),
           ("shell", "shell context"), ("verdict", "cell verdict"))
#: the order of each embedded cell's fields (the page's script reads them by name)
FIELDS = ("id", "platform", "manager", "scenario", "transition", "scope", "pollution", "shell",
          "verdict", "error", "checks", "run", "snapshots")
ANSWER_CLASSES = {"✓": "a-ok", "≈": "a-shared", "✗": "a-bad", "•": "a-injected", "·": "a-none"}
CLAIM_STATUS = {"confirmed": "✓ confirmed", "refuted": "✗ refuted", "untested": "· untested"}

CSS = """
[hidden]{display:none!important}
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:0 1.2em 2em;color:#1b1f24}
h1{font-size:1.4em;margin:.8em 0 .3em}h2{font-size:1.15em;margin:1.2em 0 .4em}
h3{font-size:1em;margin:.8em 0 .3em}
header p{margin:.2em 0}.warn{color:#a40000;font-weight:bold}.note{color:#444;margin:.2em 0}
details.prov{margin:.2em 0}details.prov ul{margin:.3em 0;padding-left:1.4em}
summary{cursor:pointer}
code,pre{font:12px/1.35 ui-monospace,monospace}
pre{background:#f5f6f8;border:1px solid #dde;padding:.5em;overflow:auto;max-height:30em;
white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccd;padding:.15em .35em;text-align:left;white-space:nowrap}
th{background:#eef0f4}
#answers td,#machine-answers td,#claims td{white-space:normal;vertical-align:top;
min-width:9em;max-width:22em}
#answers th[scope=row]{white-space:nowrap;vertical-align:top}
.a-ok{background:#effaf1}.a-shared{background:#eef3fc}.a-bad{background:#fdeeee}
.a-injected{background:#fdf7e3}.a-none{background:#f4f4f4;color:#555}
.mark{font-weight:bold}a.ev{font-size:12px;white-space:nowrap}
.claim-confirmed{background:#d8f3dc;color:#14532d;font-weight:bold}
.claim-refuted{background:#fcd4d4;color:#7f1010;font-weight:bold}
.claim-untested{background:#ececec;color:#444}
.grids{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}
table.grid td{padding:0;text-align:center}
table.fidelity{width:100%;table-layout:fixed;margin:.6em 0}table.fidelity caption{text-align:left}
table.fidelity th:nth-child(-n+3){width:10em}
table.fidelity td,table.fidelity li,table.fidelity code{white-space:normal;overflow-wrap:anywhere}
table.fidelity ul{margin:0;padding-left:1.2em}
table.grid button{border:0;font:inherit;font-size:12px;width:100%;padding:.2em .4em;
cursor:pointer;white-space:nowrap}
table.grid button:hover,table.grid button:focus{outline:2px solid #2d5bb8}
#filters{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:end;margin:.6em 0;
position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccd;z-index:1}
#filters label{display:flex;flex-direction:column;font-size:12px;color:#444}
#cells{min-height:100vh}
details.folded{margin:.3em 0}details.folded ul{margin:.2em 0;padding-left:1.4em}
details.folded li{margin:.1em 0}details.folded li button{font-size:11px;margin-left:.5em}
#matrix th{position:sticky;top:var(--filters-height,3.6em)}
#matrix tbody tr{cursor:pointer}#matrix tbody tr:hover{outline:2px solid #6a8dd0}
#matrix tbody tr.selected{outline:3px solid #2d5bb8}#show-more{margin:.6em 0}
.v{display:inline-block;padding:0 .35em;border-radius:3px}
.v-PASS{background:#d8f3dc;color:#14532d}.v-LEAK{background:#fcd4d4;color:#7f1010}
.v-BROKEN{background:#f9c9a8;color:#7a2e00}.v-SHARED{background:#dde8fb;color:#1d3d7a}
.v-INACTIVE{background:#ececec;color:#444}.v-UNSUPPORTED{background:#f3e8c2;color:#5c4700}
.v-SKIPPED{background:#e4e8f3;color:#2d3a5c}.v-ERROR{background:#6b1d7a;color:#fff}
.cellv{font-weight:bold}
#drilldown{position:fixed;top:0;right:0;bottom:0;width:min(52em,60vw);overflow:auto;
background:#fff;border-left:2px solid #2d5bb8;box-shadow:-4px 0 12px #0003;padding:0 1em 2em;
z-index:2}#drilldown-close{float:right;margin-top:1em}
#drilldown ul{padding-left:1.2em}#drilldown li{margin:.15em 0;white-space:pre-wrap}
#drilldown table td{white-space:normal;vertical-align:top}.bad{color:#a40000;font-weight:bold}
"""

JS = r"""
(function () {
  const raw = JSON.parse(document.getElementById('report-data').textContent);
  const symbols = JSON.parse(document.getElementById('verdict-symbols').textContent);
  const values = raw.values;
  function expand(v) {
    if (Array.isArray(v)) return v.map(expand);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
    }
    return values[v];
  }
  const unpack = ref => expand(values[ref]);
  const checkNames = raw.checks;
  const cells = raw.cells.map((row, index) => {
    const cell = {index: index};
    raw.fields.forEach((field, i) => { cell[field] = row[i]; });
    cell.scenario = values[cell.scenario];
    cell.error = cell.error === null ? null : values[cell.error];
    return cell;
  });
  const byId = new Map(cells.map(c => [c.id, c.index]));
  const PAGE = raw.page;
  const FINDINGS = new Set(raw.findings);
  const FOLDED = raw.folded;
  const keys = ['platform', 'manager', 'scenario', 'shell', 'verdict'];
  const select = k => document.getElementById('filter-' + k);
  const panel = document.getElementById('drilldown');
  const body = document.getElementById('drilldown-body');
  const tbody = document.querySelector('#matrix tbody');
  const more = document.getElementById('show-more');
  let listed = [];
  let shownRows = 0;

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
  function checkOf(cell, i) {
    const ref = cell.checks[i];
    if (ref === null || ref === undefined) return null;
    const [verdict, lines] = values[ref];
    return {verdict: verdict, evidence: lines.map(j => values[j])};
  }

  function row(cell) {
    const tr = el('tr');
    tr.id = 'cell-' + cell.index;
    tr.dataset.index = cell.index;
    tr.dataset.id = cell.id;
    keys.forEach(k => { tr.dataset[k] = cell[k]; });
    [cell.platform, cell.manager, cell.transition, cell.scope, cell.pollution, cell.shell]
      .forEach(text => tr.append(el('td', text)));
    const only = select('check').value;
    checkNames.forEach((name, i) => {
      const td = el('td');
      td.dataset.check = name;
      td.hidden = Boolean(only) && name !== only;
      const res = checkOf(cell, i);
      if (res) td.append(mark(res.verdict));
      tr.append(td);
    });
    const last = el('td', null, 'cellv');
    last.append(mark(cell.verdict));
    tr.append(last);
    if (!panel.hidden && panel.dataset.index === String(cell.index)) {
      tr.classList.add('selected');
    }
    return tr;
  }
  function showRows(upTo) {
    const frag = document.createDocumentFragment();
    for (; shownRows < Math.min(upTo, listed.length); shownRows++) {
      frag.append(row(listed[shownRows]));
    }
    tbody.append(frag);
    const rest = listed.length - shownRows;
    more.hidden = rest <= 0;
    more.textContent = 'show ' + Math.min(PAGE, rest) + ' more (' + shownRows + ' of ' +
      listed.length + ' rows shown)';
  }

  function fold(verdict, members) {
    const box = document.getElementById('folded-' + verdict.toLowerCase());
    const list = box.querySelector('ul');
    list.replaceChildren();
    box.hidden = !members.length;
    if (!members.length) return;
    const groups = new Map();
    members.forEach(c => {
      const about = verdict === 'SKIPPED' ? (c.error || '') : c.scope;
      const key = c.manager + '\u0000' + about;
      if (!groups.has(key)) {
        groups.set(key, {manager: c.manager, about: about, error: c.error || '', count: 0,
                         platforms: new Set()});
      }
      const g = groups.get(key);
      g.count++;
      g.platforms.add(c.platform);
    });
    groups.forEach(g => {
      let text = symbols[verdict] + ' ' + verdict + ': ' + g.count + ' cell' +
        (g.count === 1 ? '' : 's') + ' of ' + g.manager + ' (' +
        Array.from(g.platforms).join(', ') + ')';
      text += verdict === 'SKIPPED' ? ': ' + g.about
        : ', scope ' + g.about + (g.error ? ': ' + g.error : '');
      const li = el('li', text);
      const list_them = el('button', 'list them');
      list_them.type = 'button';
      list_them.addEventListener('click', () => {
        select('verdict').value = verdict;
        select('manager').value = g.manager;
        apply();
      });
      li.append(list_them);
      list.append(li);
    });
    box.querySelector('summary').textContent = symbols[verdict] + ' ' + verdict + ': ' +
      members.length + ' cell' + (members.length === 1 ? '' : 's') + ' not listed, in ' +
      groups.size + ' group' + (groups.size === 1 ? '' : 's') + ' (choose ' + verdict +
      ' in the cell verdict filter to list them)';
  }

  function apply() {
    const want = {};
    keys.forEach(k => { want[k] = select(k).value; });
    const folded = {};
    FOLDED.forEach(v => { folded[v] = []; });
    listed = [];
    cells.forEach(c => {
      if (!keys.every(k => !want[k] || c[k] === want[k])) return;
      if (!want.verdict && c.verdict in folded) folded[c.verdict].push(c);
      else listed.push(c);
    });
    if (document.getElementById('sort').value === 'findings') {
      listed = listed.filter(c => FINDINGS.has(c.verdict))
        .concat(listed.filter(c => !FINDINGS.has(c.verdict)));
    }
    FOLDED.forEach(v => fold(v, folded[v]));
    const only = select('check').value;
    document.querySelectorAll('#matrix thead [data-check]').forEach(th => {
      th.hidden = Boolean(only) && th.dataset.check !== only;
    });
    document.getElementById('row-count').textContent =
      'showing ' + listed.length + ' of ' + cells.length + ' cells';
    tbody.replaceChildren();
    shownRows = 0;
    showRows(PAGE);
  }

  function section(title) {
    const box = el('section');
    box.append(el('h3', title));
    return box;
  }
  function folded(title, text) {
    const d = el('details');
    d.append(el('summary', title), el('pre', text));
    return d;
  }
  function evidence(cell) {
    const box = section('Evidence per check');
    checkNames.forEach((name, i) => {
      const res = checkOf(cell, i);
      if (!res) return;
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
  function steps(run) {
    const box = section('Commands (' + run.steps.length + ' steps)');
    if (!run.steps.length) { box.append(el('p', 'No command ran.')); return box; }
    const t = el('table');
    const head = el('tr');
    ['step', 'command', 'exit', 'seconds', 'output'].forEach(h => head.append(el('th', h)));
    t.append(head);
    run.steps.forEach(s => {
      const tr = el('tr');
      const out = el('td');
      if (s.stdout) out.append(folded('stdout', s.stdout));
      if (s.stderr) out.append(folded('stderr', s.stderr));
      const code = el('td');
      code.append(el('code', s.command));
      tr.append(el('td', s.step), code, el('td', s.status, s.status === 0 ? '' : 'bad'),
                el('td', s.seconds), out);
      t.append(tr);
    });
    box.append(t);
    return box;
  }
  function snapshots(cell) {
    const box = section('Snapshots');
    const snaps = cell.snapshots;
    if (Array.isArray(snaps)) {
      box.append(el('p', 'Snapshots are in matrix.json (' + snaps.join(', ') + '); this page ' +
                    'keeps them only for cells whose verdict is ' + raw.findings.join(', ') +
                    '.'));
    } else if (!snaps || !Object.keys(snaps).length) {
      box.append(el('p', 'No snapshot was taken.'));
    } else {
      Object.entries(snaps).forEach(([name, parts]) => {
        const whole = typeof parts === 'number' ? unpack(parts) : Object.fromEntries(
          Object.entries(parts).map(([k, ref]) => [k, unpack(ref)]));
        box.append(folded(name, JSON.stringify(whole, null, 2)));
      });
    }
    return box;
  }
  function setHash(id) {
    try {
      const url = location.href.split('#')[0] + (id ? '#cell=' + encodeURIComponent(id) : '');
      history.replaceState(null, '', url);
    } catch (e) { /* a page opened where history cannot be written: no deep link, no harm */ }
  }
  function open(index) {
    const cell = cells[index];
    tbody.querySelectorAll('tr.selected').forEach(r => r.classList.remove('selected'));
    const tr = document.getElementById('cell-' + index);
    if (tr) tr.classList.add('selected');
    body.replaceChildren();
    const h = el('h2', cell.id + ' ');
    h.append(mark(cell.verdict));
    body.append(h);
    if (cell.error) body.append(el('p', 'harness: ' + cell.error, 'bad'));
    const run = unpack(cell.run);
    const info = run.manager_info || {};
    body.append(el('p', 'image ' + (run.image || 'none') + '; manager ' +
      [info.name, info.version, info.source].filter(Boolean).join(' ') + '; ran ' +
      run.run_seconds + ' s'), evidence(cell));
    if (run.log_tail.length) {
      body.append(el('h3', 'Log tail'), el('pre', run.log_tail.join('\n')));
    }
    body.append(steps(run), snapshots(cell));
    panel.dataset.index = index;
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  function openId(id) {
    if (byId.has(id)) { open(byId.get(id)); return; }
    body.replaceChildren(el('h2', 'No cell ' + id + ' in this report.'));
    delete panel.dataset.index;
    panel.hidden = false;
  }
  function close() {
    panel.hidden = true;
    delete panel.dataset.index;
    tbody.querySelectorAll('tr.selected').forEach(r => r.classList.remove('selected'));
    if (location.hash.startsWith('#cell=')) setHash(null);
  }
  function fromHash() {
    if (!location.hash.startsWith('#cell=')) return;
    let id;
    try { id = decodeURIComponent(location.hash.slice(6)); } catch (e) { id = location.hash; }
    openId(id);
  }

  tbody.addEventListener('click', e => {
    const tr = e.target.closest('tr');
    if (!tr) return;
    open(Number(tr.dataset.index));
    setHash(tr.dataset.id);
  });
  document.querySelectorAll('a[href^="#cell="]').forEach(a => a.addEventListener('click', e => {
    e.preventDefault();
    const id = decodeURIComponent(a.getAttribute('href').slice(6));
    openId(id);
    setHash(id);
  }));
  document.querySelectorAll('#grid button[data-platform]').forEach(b => {
    b.addEventListener('click', () => {
      ['scenario', 'check', 'verdict'].forEach(k => { select(k).value = ''; });
      ['platform', 'manager', 'shell'].forEach(k => { select(k).value = b.dataset[k]; });
      apply();
      document.getElementById('cells').scrollIntoView();
    });
  });
  document.querySelectorAll('#filters select').forEach(s => s.addEventListener('change', apply));
  more.addEventListener('click', () => showRows(shownRows + PAGE));
  document.getElementById('drilldown-close').addEventListener('click', close);
  document.addEventListener('keydown', e => { if (e.key === 'Escape') close(); });
  window.addEventListener('hashchange', fromHash);
  function stick() {
    const h = document.getElementById('filters').offsetHeight;
    document.documentElement.style.setProperty('--filters-height', h + 'px');
  }
  window.addEventListener('resize', stick);
  stick();
  apply();
  performance.mark('cell-list-shown');
  fromHash();
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _mark(verdict: str) -> str:
    symbol = VERDICT_SYMBOLS.get(verdict, "")
    return f'<span class="v v-{_e(verdict)}">{_e(symbol)} {_e(verdict)}</span>'


def _inline(text: object) -> str:
    """Text with its `backquoted` words as code, everything escaped."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backquote: plain text
        return _e(text)
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


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


def _cell_link(ids: list[str] | None, label: str = "evidence") -> str:
    """A link to the first of ``ids``: the page's script opens that cell's drill-down."""
    if not ids:
        return ""
    first = str(ids[0])
    return (f' <a class="ev" href="#cell={_e(quote(first, safe=""))}" '
            f'title="{_e(first)}">{_e(label)}</a>')


class _Values:
    """A table of distinct JSON values: each one stored once, referred to by its index."""

    def __init__(self) -> None:
        self.items: list = []
        self._index: dict = {}

    def add(self, value: object) -> int:
        if isinstance(value, (dict, list)):
            key: tuple = ("json", json.dumps(value, sort_keys=True, ensure_ascii=False))
        else:  # a scalar: True, 1 and 1.0 stay apart
            key = (type(value).__name__, value)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.items)
            self.items.append(value)
        return found

    def pack(self, value: object) -> int:
        """``value`` with each scalar in it replaced by its index, itself stored once: the
        page's script unpacks it. The commands of a run and the parts of a snapshot repeat
        across cells, and so do most strings in them (paths, variables, commands)."""
        return self.add(self.tree(value))

    def tree(self, value: object) -> object:
        """``value`` with each scalar in it replaced by its index."""
        if isinstance(value, dict):
            return {str(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.tree(v) for v in value]
        return self.add(value)


def _check_names(report: dict) -> list[str]:
    names = list(report.get("checks") or [])
    for cell in report.get("cells") or []:
        names += [n for n in cell.get("checks") or {} if n not in names]
    return names


def _steps(steps: list[dict]) -> list[dict]:
    """The commands of a run as the drill-down shows them: their output cut to its tail."""
    return [{**step, "stdout": _tail(step.get("stdout")), "stderr": _tail(step.get("stderr"))}
            for step in steps]


def _run(cell: dict, values: _Values, shared: dict[int, tuple[list, object]]) -> int:
    """What a cell's run shows in its drill-down, packed: the commands, the log tail, the
    image and the manager. The cells of one run share its list of steps: it is packed once."""
    steps = cell.get("steps") or []
    found = shared.get(id(steps))
    if found is None or found[0] is not steps:
        found = shared[id(steps)] = (steps, values.tree(_steps(steps)))
    return values.add({"steps": found[1],
                       "log_tail": values.tree(list(cell.get("log_tail") or [])),
                       "image": values.add((cell.get("image") or {}).get("tag")),
                       "manager_info": values.tree(cell.get("manager_info") or {}),
                       "run_seconds": values.add(cell.get("run_seconds", 0))})


def page_data(report: dict) -> dict:
    """What the page's script needs of the cells, every repeated value stored once.

    ``cells`` holds one list per cell, its fields in the order of ``fields``; ``scenario``
    and ``error`` are indices into ``values``, ``checks`` one index (or null) per name in
    ``checks``, each pointing at ``[verdict, [indices of evidence lines]]``, and ``run`` a
    packed value (see ``_Values.pack``): the commands, log tail, image and manager. A finding's
    ``snapshots`` are ``{name: {part: packed value}}``; another cell that has some holds the
    list of their names (they are in matrix.json); a cell without any, null.
    """
    values = _Values()
    names = _check_names(report)
    shared: dict[int, tuple[list, object]] = {}
    rows = []
    for cell in report.get("cells") or []:
        checks = cell.get("checks") or {}
        refs = []
        for name in names:
            result = checks.get(name)
            refs.append(None if result is None else values.add(
                [result.get("verdict"), [values.add(line) for line in
                                         result.get("evidence") or []]]))
        snaps = cell.get("snapshots") or {}
        if not snaps:
            kept = None
        elif cell.get("verdict") in FINDINGS:
            kept = {name: ({k: values.pack(v) for k, v in snap.items()}
                           if isinstance(snap, dict) else values.pack(snap))
                    for name, snap in snaps.items()}
        else:
            kept = list(snaps)
        error = cell.get("error")
        rows.append([cell["id"], cell["platform"], cell["manager"], values.add(_scenario(cell)),
                     transition(cell), cell["scope"], _pollution(cell), cell["shell"],
                     cell["verdict"], None if error is None else values.add(str(error)), refs,
                     _run(cell, values, shared), kept])
    return {"fields": list(FIELDS), "checks": names, "page": PAGE_ROWS,
            "findings": list(FINDINGS), "folded": list(FOLDED), "cells": rows,
            "values": values.items}


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
    counts = ", ".join(f"{len(prov.get(k) or {})} {k}" for k in
                       ("platforms", "managers", "images", "artifacts"))
    drift = "".join(f'<p class="warn drift">{_e(line)}</p>' for line in drift_lines(prov))
    return (f'<p id="provenance-summary">{docker_text}; network '
            f'<b>{_e(prov.get("network", "?"))}</b></p>{drift}'
            f'<details class="prov" id="provenance"><summary>Provenance: {_e(counts)} (bases, '
            f'installed managers, images, artifacts and their digests)</summary>'
            f'<ul>{"".join(items)}</ul></details>')


def _header(report: dict) -> str:
    harness = report.get("harness") or {}
    summary = report.get("summary") or {}
    totals = ", ".join(f"{_mark(v)} {n}" for v, n in (summary.get("by_verdict") or {}).items()
                       if n)
    legend = "; ".join(f"{_mark(v)} {_e(text)}" for v, text in
                       (report.get("verdicts") or {}).items())
    incomplete = ("" if report.get("complete", True)
                  else '<p class="warn">Incomplete run: some cells did not run.</p>')
    incomplete += "".join(f'<p class="warn event">{_e(line)}</p>'
                          for line in report.get("events") or [])
    return (f"<header><h1>govm-matrix: what stays behind when Go is switched</h1>"
            f'<p id="generated">Generated {_e(report.get("generated_at", "?"))} by '
            f'{_e(harness.get("name", "govm-matrix"))} {_e(harness.get("version", "?"))}; '
            f'report schema {_e(report.get("schema_version", "?"))}; '
            f'{_e(summary.get("cells", len(report.get("cells") or [])))} cells</p>'
            f"{incomplete}"
            f'<p id="totals">Totals: {totals or "none"}</p>'
            f'<p id="legend">Legend: {legend}</p>{_provenance(report)}</header>')


def _answer(answer: dict | None, missing: str = "not in this run") -> str:
    """One entry of an answer table: its mark, its text and a link to its first cell."""
    if not answer:
        return f'<td class="a-none"><span class="mark">·</span> {_e(missing)}</td>'
    mark = answer_mark(answer.get("value"))
    return (f'<td class="{ANSWER_CLASSES.get(mark, "a-none")}"><span class="mark">{_e(mark)}'
            f'</span> {_inline(answer.get("text", ""))}{_cell_link(answer.get("cells"))}</td>')


def _answers(report: dict) -> str:
    answers = report.get("answers") or {}
    managers = answers.get("managers") or {}
    if not managers:
        return ""
    columns = answers.get("columns") or {}
    head = "".join(f'<th scope="col">{_e(title)}</th>' for title in columns.values())
    rows = []
    for name, found in managers.items():
        scenario = found.get("scenario")
        basis = f'<br><small>{_e(scenario)}</small>' if scenario else ""
        if scenario is None and found.get("columns"):  # nothing ran: one reason, said once
            first = next(iter(found["columns"].values()))
            entries = _answer(first).replace("<td ", f'<td colspan="{len(columns)}" ', 1)
        else:
            entries = "".join(_answer((found.get("columns") or {}).get(key)) for key in columns)
        rows.append(f'<tr data-manager="{_e(name)}"><th scope="row">{_e(name)}{basis}</th>'
                    f"{entries}</tr>")
    parts = [f'<section id="answer"><h2>The answer: what each manager leaves behind</h2>'
             f'<p class="note">Measured per shell context after a switch, on a machine with '
             f"nothing left over from earlier installs (the scenario under each name). "
             f"✓ nothing left behind, ≈ shared by design, • adds to the shell, ✗ leaks or "
             f"breaks, · not measured; each “evidence” link opens the cell that shows it.</p>"
             f'<table id="answers"><thead><tr><th scope="col">manager</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>']
    machines = answers.get("machines") or {}
    if machines:
        titles = answers.get("machine_columns") or {}
        head = "".join(f'<th scope="col">{_e(t)}</th>' for t in titles.values())
        rows = [f'<tr data-platform="{_e(platform)}"><th scope="row">{_e(platform)}</th>'
                + "".join(_answer((found or {}).get(key)) for key in titles) + "</tr>"
                for platform, found in machines.items()]
        parts.append(f"<h3>Machines: GOPATH shapes, per platform</h3>"
                     f'<table id="machine-answers"><thead><tr><th scope="col">platform</th>'
                     f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return "".join(parts) + "</section>"


def _claims(report: dict) -> str:
    claims = report.get("claims")
    if not claims:
        return ""
    answers = report.get("answers") or {}
    titles = {**(answers.get("columns") or {}), **(answers.get("machine_columns") or {})}
    results = claims.get("results") or []
    counts = Counter(r.get("status") for r in results)
    rows = []
    for r in results:
        who = r.get("manager") or r.get("platform") or "every platform"
        if r.get("manager") and r.get("platform"):
            who += f" on {r['platform']}"
        status = r.get("status") or "untested"
        measured = f'<span class="mark">{_e(answer_mark(r.get("measured")))}</span> '
        measured += _inline(measured_words(r.get("measured"), r.get("text") or ""))
        if r.get("note"):
            measured += f" ({_inline(r['note'])})"
        source = r.get("source")
        says = _e(r.get("says", ""))
        if source and source != claims.get("source"):
            says += f"<br><small>{_e(source)}</small>"
        rows.append(f'<tr data-status="{_e(status)}"><td>{_e(who)}</td>'
                    f'<td>{_e(titles.get(r.get("column"), r.get("column")))}</td>'
                    f'<td>{says}</td><td>{_e(r.get("claimed", ""))}</td>'
                    f'<td class="claim-{_e(status)}">{_e(CLAIM_STATUS.get(status, status))}</td>'
                    f'<td>{measured}</td><td>{_cell_link(r.get("cells"), "cell") or "-"}</td>'
                    "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("manager", "column", "the source says", "claimed", "status", "measured",
                    "evidence"))
    url = f" <code>{_e(claims['url'])}</code>" if claims.get("url") else ""
    tally = ", ".join(f"{counts.get(s, 0)} {s}" for s in CLAIM_STATUS)
    return (f'<section id="claims"><h2>Claims checked: {_e(claims.get("source", "?"))}</h2>'
            f'<p class="note">From <code>{_e(claims.get("file", "?"))}</code>{url}: '
            f"{_e(tally)}.</p><table><thead><tr>{head}</tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _fidelity(report: dict) -> str:
    """Real hosts against the profiles that emulate them: every disagreement, both evidences."""
    fid = report.get("fidelity")
    if not fid:
        return ""
    hosts = "".join(
        f"<li><b>{_e(h['platform'])}</b> stands beside <b>{_e(h['stands_for'])}</b>: "
        f"{_e(h.get('machine', '?'))}"
        + (f", runner {_e(h['runner'])}" if h.get("runner") else "") + "</li>"
        for h in report.get("real_hosts") or [])
    parts = [f'<section id="fidelity"><h2>Fidelity: emulated profiles against real hosts</h2>'
             f"<ul>{hosts}</ul><p>{fid['compared']} real-host cells compared check by check "
             f"with their emulated cells: {fid['agree']} agree, "
             f'<b class="{"warn" if fid["disagree"] else ""}">{len(fid["disagree"])} '
             "disagree</b>"
             + (f"; {len(fid['not_compared'])} not compared" if fid["not_compared"] else "")
             + ". The atomic check is not measured on real hosts; a SKIPPED or ERROR check is "
               "not compared.</p>"]
    for item in fid["disagree"]:
        rows = []
        for check, both in item["checks"].items():
            evidence = "".join(
                f"<td><ul>{''.join(f'<li>{_inline(line)}</li>' for line in both[side])}"
                "</ul></td>" for side in ("real_evidence", "emulated_evidence"))
            rows.append(f"<tr><th scope=\"row\">{_e(check)}</th><td>{_mark(both['real'])}</td>"
                        f"<td>{_mark(both['emulated'])}</td>{evidence}</tr>")
        parts.append(
            f'<table class="fidelity"><caption>{_cell_link([item["real"]], item["real"])} vs '
            f"{_cell_link([item['emulated']], item['emulated'])}</caption><thead><tr>"
            f"<th>check</th><th>real {_e(item['host'])}</th><th>emulated "
            f"{_e(item['profile'])}</th><th>real-host evidence</th><th>emulated evidence</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if fid["not_compared"]:
        parts.append("<ul>" + "".join(f"<li>not compared: <code>{_e(i['real'])}</code>: "
                                      f"{_e(i['why'])}</li>" for i in fid["not_compared"])
                     + "</ul>")
    return "".join(parts) + "</section>"


def _shell_order(shell: str) -> tuple[int, str]:
    known = SHELL_CONTEXTS.index(shell) if shell in SHELL_CONTEXTS else len(SHELL_CONTEXTS)
    return known, shell


def _grid(report: dict) -> str:
    """Per platform, managers × shell contexts: the worst verdict of the cells there, with the
    counts per verdict in its title; a click lists those cells."""
    cells = report.get("cells") or []
    intro = ('<section id="grid"><h2>Grid: platform × manager × shell context</h2>')
    if not cells:
        return intro + "<p>No cells ran.</p></section>"
    counts: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    layout: dict[str, tuple[dict, dict]] = {}
    for cell in cells:
        platform, manager, shell = cell["platform"], cell["manager"], cell["shell"]
        counts[(platform, manager, shell)][cell["verdict"]] += 1
        managers, shells = layout.setdefault(platform, ({}, {}))
        managers[manager] = shells[shell] = True
    tables = []
    for platform, (managers, shells) in layout.items():
        order = sorted(shells, key=_shell_order)
        head = "".join(f'<th scope="col">{_e(s)}</th>' for s in order)
        rows = []
        for manager in managers:
            entries = []
            for shell in order:
                here = counts.get((platform, manager, shell))
                if not here:
                    entries.append("<td></td>")
                    continue
                verdict = worst(here).value
                detail = ", ".join(f"{here[v.value]} {v.value}" for v in SEVERITY
                                   if here.get(v.value))
                total = sum(here.values())
                title = (f"{platform} × {manager} × {shell}: {total} "
                         f"cell{'' if total == 1 else 's'}: {detail}")
                entries.append(
                    f'<td><button type="button" class="v v-{_e(verdict)}" '
                    f'data-platform="{_e(platform)}" data-manager="{_e(manager)}" '
                    f'data-shell="{_e(shell)}" title="{_e(title)}" aria-label="{_e(title)}">'
                    f'{_e(VERDICT_SYMBOLS.get(verdict, ""))} {_e(verdict)}</button></td>')
            rows.append(f'<tr><th scope="row">{_e(manager)}</th>{"".join(entries)}</tr>')
        tables.append(f'<table class="grid" data-platform="{_e(platform)}"><caption>'
                      f"<b>{_e(platform)}</b></caption><thead><tr><th>manager</th>{head}</tr>"
                      f'</thead><tbody>{"".join(rows)}</tbody></table>')
    return (intro + '<p class="note">Each entry is the worst verdict of the cells there (its '
            "title counts them per verdict); click it to list those cells.</p>"
            f'<div class="grids">{"".join(tables)}</div></section>')


def _select(key: str, label: str, values: list[str], every: str) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return (f'<label for="filter-{key}">{_e(label)}<select id="filter-{key}">'
            f'<option value="">{_e(every)}</option>{options}</select></label>')


def _filters(report: dict) -> str:
    cells = report.get("cells") or []
    present = {c["verdict"] for c in cells}
    values = {
        "platform": [c["platform"] for c in cells],
        "manager": [c["manager"] for c in cells],
        "scenario": [_scenario(c) for c in cells],
        "shell": sorted({c["shell"] for c in cells}, key=_shell_order),
        "verdict": [v for v in VERDICT_SYMBOLS if v in present],
    }
    parts = [_select(key, label, list(dict.fromkeys(values[key])), "all")
             for key, label in FILTERS]
    parts.insert(4, _select("check", "check column", _check_names(report), "all checks"))
    parts.append('<label for="sort">order<select id="sort">'
                 f'<option value="findings">findings first ({", ".join(FINDINGS)})</option>'
                 '<option value="report">report order</option></select></label>')
    return (f'<div id="filters">{"".join(parts)}'
            f'<span id="row-count">{len(cells)} cells</span></div>')


def _cell_list(report: dict) -> str:
    cells = report.get("cells") or []
    checks = _check_names(report)
    head = "".join(f"<th>{_e(h)}</th>" for h in
                   ("platform", "manager", "transition", "scope", "pollution", "shell"))
    head += "".join(f'<th data-check="{_e(n)}">{_e(n)}</th>' for n in checks) + "<th>cell</th>"
    folded = "".join(
        f'<details class="folded" id="folded-{v.lower()}" hidden><summary>{_e(v)}</summary>'
        "<ul></ul></details>" for v in FOLDED)
    empty = '<p id="no-cells">No cells ran.</p>' if not cells else ""
    return (f'<section id="cells"><h2>Cells</h2>{_filters(report)}{empty}'
            f"<p class=\"note\">Click a row for its evidence, commands and snapshots. Cells "
            f"{' and '.join(FOLDED)} are folded into one line per manager and reason.</p>"
            f'{folded}<table id="matrix"><thead><tr>{head}</tr></thead><tbody></tbody>'
            '</table><button type="button" id="show-more" hidden>show more</button></section>')


def render_html(report: dict) -> str:
    """The whole report as one HTML page that needs no network and no other file."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>govm-matrix report {_e(report.get('generated_at', ''))}</title>"
        f"<style>{CSS}</style></head><body>"
        f"{_header(report)}<main>{_answers(report)}{_claims(report)}{_fidelity(report)}"
        f"{_grid(report)}"
        f"{_cell_list(report)}</main>"
        '<aside id="drilldown" hidden aria-label="cell details">'
        '<button type="button" id="drilldown-close">close ✕</button>'
        '<div id="drilldown-body"></div></aside>'
        f'{_json_script("verdict-symbols", VERDICT_SYMBOLS)}'
        f'{_json_script("report-data", page_data(report))}'
        f"<script>{JS}</script></body></html>\n"
    )
