"""`govm-matrix doctor`: the matrix's probe and checks, on the machine it runs on.

Without options (``examine``) it is read-only: it runs the probe in every shell context this
machine has (bash -lc, bash -ic, zsh -lc where zsh is installed, sh -c, and the user's login
shell as a terminal starts it), finds every Go install it can see, and reports what each
context runs, with findings in the matrix's verdict words and a one-line fix each. No Docker:
standard library only, so that it runs from a plain `pipx install`.

With ``--switch A,B --manager M [--scope S] --yes`` (``switch``) it runs, on this machine, the
steps of one matrix cell with the manager's own commands (select A, snapshot every context,
switch to B, snapshot, switch back, snapshot, with the two interactive sessions and the script
context as the matrix has them) and judges them with the matrix's own code
(``matrix.run.results.cell_result``), into a report of the project's format whose platform
is this machine (linux, macos or wsl2). The ``atomic`` check is not measured there (it needs
the switch traced with strace as root and repeated under observers): doctor's cells have no
``atomic`` check, and comparisons with the matrix's cells leave it out. The manager's original
selection is read first (``Manager.current``) and selected again at the end, also after a
failure, Ctrl-C or SIGTERM; a manager whose adapter cannot read it is refused.

Only doctor's reports and the real host's platform differ from the matrix: the checks are the
same functions.
"""

from __future__ import annotations

import json
import sys

from ..core.errors import MatrixError
from ..core.platforms import host_platform


def main(args) -> int:
    """The `doctor` command: exit 1 when a finding is LEAK or BROKEN, else 0; 2 for bad
    input."""
    switch_only = [flag for flag, value in (("--manager", args.manager),
                                             ("--scope", args.scope), ("--yes", args.yes))
                   if value]
    if not args.switch:
        if switch_only:
            raise MatrixError(f"{', '.join(switch_only)} go with --switch A,B; without it "
                              "doctor only looks")
        from .examine import examine
        from .render import render

        doc = examine(host_platform())
        if args.json:
            json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(render(doc))
        return doc["exit_status"]
    from .switch import run_switch

    return run_switch(args)
