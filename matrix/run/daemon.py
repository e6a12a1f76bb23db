"""The Docker daemon going away during a run: one event, a bounded wait, clear reasons.

Every process of a run (the controller and each worker) shares one record of it in the run's
folder. The first process whose group fails while the daemon does not answer records when and
during which group it stopped answering; from then on no process starts a group: each waits,
up to ``DAEMON_WAIT`` seconds after the loss, for the daemon to answer again. When it does, the
group that was cut short runs again and the run carries on (the event is kept, with how long the
daemon was away). When it does not, every group left gets ERROR with a reason that says so, and
the report and the terminal say it once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from ..build import engine


class DaemonWatch:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "daemon.json"

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def _write(self, state: dict) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.path)

    def state(self) -> dict:
        """``{}`` while nothing happened, else ``{lost_at, during, state: waiting|back|gone,
        away?}``."""
        return self._read()

    def lost(self, during: str) -> dict:
        """Record that the daemon stopped answering (once per loss)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            if state.get("state") not in ("waiting", "gone"):
                events = state.get("events", [])
                state = {"lost_at": time.time(), "during": during, "state": "waiting",
                         "events": events}
                self._write(state)
            return state

    def wait(self, answering: Callable[[], bool]) -> bool:
        """Wait, up to the deadline of the current loss, for ``answering()`` to say that the
        daemon answers again."""
        state = self._read()
        if state.get("state") == "gone":
            return False
        if state.get("state") != "waiting":
            return True
        deadline = state["lost_at"] + engine.DAEMON_WAIT
        back = engine.wait_for_daemon(answering, deadline)
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            if state.get("state") == "waiting":
                event = {"lost_at": state["lost_at"], "during": state["during"]}
                if back:
                    event["away"] = round(time.time() - state["lost_at"], 1)
                    state.update(state="back")
                else:
                    state.update(state="gone")
                    event["gave_up_after"] = engine.DAEMON_WAIT
                state["events"] = [*state.get("events", []), event]
                self._write(state)
        return back

    def reason(self) -> str:
        state = self._read()
        at = time.strftime("%H:%M:%S", time.localtime(state.get("lost_at", time.time())))
        return (f"the Docker daemon stopped answering at {at} (during {state.get('during')}) "
                f"and did not answer again within {engine.DAEMON_WAIT:.0f} s: this cell could "
                "not run")


def describe_events(state: dict, cells: list[dict]) -> list[str]:
    """The run's daemon events as the lines the terminal and the report show."""
    lines = []
    for event in state.get("events") or []:
        at = time.strftime("%H:%M:%S", time.localtime(event["lost_at"]))
        head = f"the Docker daemon stopped answering at {at} during {event['during']}"
        if "away" in event:
            lines.append(f"{head}; it answered again {event['away']:.0f} s later and the run "
                         "carried on (what it cut short ran again)")
        else:
            failed = sum(1 for c in cells if "the Docker daemon stopped answering" in
                         (c.get("error") or ""))
            lines.append(f"{head}; it did not answer again within "
                         f"{event['gave_up_after']:.0f} s: {failed} cells could not run")
    return lines
