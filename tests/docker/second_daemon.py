"""A second, throw-away Docker daemon that a test owns: it can take it away in the middle of a
run and bring it back, while the machine's own daemon is never touched (Debian's docker.io
20.10, as root).

    with second_daemon() as d:           # starts dockerd in a fresh temp dir
        cli = docker.DockerClient(base_url=d.url, version="1.41")
        ...
        d.stop()                         # SIGTERM (or d.kill() for SIGKILL): an outage
        d.start()                        # same data root: images/containers are still there
    # leaving the block: containers force-removed, daemon stopped, left-over
    # shims/container processes killed, mounts under the temp dir unmounted, dir deleted.

The machine's own daemon (/var/run/docker.sock, /var/lib/docker, /var/run/docker,
docker0, iptables) is never touched: every path is inside the temp dir, its own managed
containerd lives under <exec-root>/containerd, and dockerd runs in a network namespace of
its own (kept in <base>/netns across stop/start). That last part is NOT optional:
dockerd 20.10 with --bridge=none DELETES the host's docker0 interface at start-up
(daemon_unix.go: removeDefaultBridgeInterface), which breaks the main daemon's default
bridge network.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


class DaemonError(RuntimeError):
    pass


class SecondDaemon:
    def __init__(self, base: str | os.PathLike | None = None, *, live_restore: bool = False,
                 extra_args: tuple[str, ...] = (), dockerd: str = "dockerd") -> None:
        # Keep the base short: unix socket paths are limited to 107 bytes and containerd
        # puts <exec-root>/containerd/containerd.sock.ttrpc under it.
        self.base = Path(base or tempfile.mkdtemp(prefix="dockerd2-", dir="/tmp"))
        self.base.mkdir(parents=True, exist_ok=True)
        self.sock = self.base / "docker.sock"
        self.data_root = self.base / "root"
        self.exec_root = self.base / "exec"
        self.pidfile = self.base / "docker.pid"
        self.log = self.base / "dockerd.log"
        self.config = self.base / "daemon.json"
        self.config.write_text("{}\n")  # ignore a future /etc/docker/daemon.json
        self.netns = self.base / "netns"
        if not self.netns.exists():
            self.netns.touch()
            subprocess.run(["unshare", f"--net={self.netns}", "true"], check=True)
        self.live_restore = live_restore
        # containerd namespaces must match ^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$
        self.namespace = "d2-" + hashlib.sha1(str(self.base).encode()).hexdigest()[:12]
        self.argv = [
            "nsenter", f"--net={self.netns}", "--",  # setns + exec: same pid as dockerd
            dockerd,
            "--host", f"unix://{self.sock}",
            "--data-root", str(self.data_root),
            "--exec-root", str(self.exec_root),
            "--pidfile", str(self.pidfile),
            "--config-file", str(self.config),
            "--bridge", "none",  # containers get network "none"; deletes docker0 (in OUR netns)
            "--iptables=false", "--ip-forward=false", "--ip-masq=false",
            "--storage-driver", "overlay2",
            # dockerd 20.10 starts its own containerd only when /run/containerd/containerd.sock
            # is absent; if a system containerd runs it would share that one, so never use
            # the main daemon's namespace "moby" there.
            "--containerd-namespace", self.namespace,
            "--containerd-plugins-namespace", f"{self.namespace}-plugins",
            *(["--live-restore"] if live_restore else []),
            *extra_args,
        ]
        self.proc: subprocess.Popen | None = None

    # -- addresses -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"unix://{self.sock}"

    @property
    def env(self) -> dict[str, str]:
        """For subprocesses that use the docker CLI (e.g. testinfra's docker:// backend)."""
        return {"DOCKER_HOST": self.url}

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- life cycle ----------------------------------------------------------------------
    def start(self, timeout: float = 60) -> float:
        """Start dockerd and wait until GET /_ping answers OK. Returns the seconds taken."""
        if self.running:
            raise DaemonError("already running")
        started = time.monotonic()
        self._clear_stale_containerd_pid()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise DaemonError(f"dockerd exited {self.proc.returncode}:\n{self.log_tail()}")
            if self.ping():
                return time.monotonic() - started
            time.sleep(0.05)
        self.stop(signal.SIGKILL)
        raise DaemonError(f"dockerd did not answer within {timeout}s:\n{self.log_tail()}")

    def _containerd_pid(self) -> int | None:
        try:
            return int((self.exec_root / "containerd" / "containerd.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _is_live_containerd(pid: int | None) -> bool:
        """True for a running containerd; False when gone, a zombie, or another program."""
        if pid is None:
            return False
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            comm, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
            return comm == "containerd" and state != "Z"
        except (OSError, ValueError, IndexError):
            return False

    def _clear_stale_containerd_pid(self) -> None:
        """After dockerd is SIGKILLed its containerd dies too (parent-death signal), but a
        PID 1 that does not reap leaves it a zombie; dockerd's kill(pid, 0) test then
        takes the zombie for a live containerd, waits for its socket and exits with
        "failed to start containerd: timeout waiting for containerd to start"."""
        if not self._is_live_containerd(self._containerd_pid()):
            (self.exec_root / "containerd" / "containerd.pid").unlink(missing_ok=True)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> float:
        """Signal dockerd and wait for it to exit (SIGKILL after `timeout`). Returns seconds.

        SIGTERM without live-restore stops every container (SIGTERM, then SIGKILL after the
        container's stop timeout, 10 s by default) and unmounts; with live-restore, or
        with SIGKILL, containers and their shims keep running."""
        if not self.running:
            return 0.0
        started = time.monotonic()
        containerd = self._containerd_pid()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # Its containerd gets SIGKILL when dockerd dies, a moment later: wait for that, or a
        # quick start() finds it "still running" and times out on its socket.
        deadline = time.monotonic() + 10
        while self._is_live_containerd(containerd) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._is_live_containerd(containerd):
            os.kill(containerd, signal.SIGKILL)
        return time.monotonic() - started

    def kill(self) -> float:
        return self.stop(signal.SIGKILL)

    def restart(self, sig: int = signal.SIGTERM) -> float:
        return self.stop(sig) + self.start()

    def ping(self) -> bool:
        """GET /_ping over the socket, without the docker SDK."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(str(self.sock))
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return s.recv(64).split(b"\r\n")[0].split(b" ")[1:2] == [b"200"]
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- clean-up ------------------------------------------------------------------------
    def _api(self, method: str, path: str) -> tuple[int, bytes]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(str(self.sock))
            s.sendall(f"{method} {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    def remove_containers(self) -> int:
        """Force-remove every container (SIGKILL, no stop timeout). Daemon must be up."""
        status, body = self._api("GET", "/containers/json?all=1")
        ids = [c["Id"] for c in json.loads(body)] if status == 200 else []
        for cid in ids:
            self._api("DELETE", f"/containers/{cid}?force=1&v=1")
        return len(ids)

    def _own_processes(self) -> list[int]:
        """containerd and shims of THIS daemon (their command line names our exec root)."""
        marker = str(self.exec_root / "containerd").encode()
        namespace = f"-namespace\0{self.namespace}\0".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if (marker in cmd or namespace in cmd) and b"containerd" in cmd.split(b"\0")[0]:
                found.append(int(entry.name))
        return found

    def _container_inits(self) -> list[int]:
        """PID 1 of each container still running; checked against the container's cgroup
        so a recycled pid of some other program is never killed."""
        pids = []
        tasks = self.exec_root / "containerd/daemon/io.containerd.runtime.v2.task"
        for f in tasks.glob(f"{self.namespace}/*/init.pid"):
            with contextlib.suppress(OSError, ValueError):
                pid = int(f.read_text().strip())
                if f.parent.name in Path(f"/proc/{pid}/cgroup").read_text():
                    pids.append(pid)
        return pids

    def _mounts(self) -> list[str]:
        prefix = str(self.base) + "/"
        points = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(prefix) or point == str(self.base):
                points.append(point)
        return points

    def close(self) -> dict:
        """Stop everything this daemon started and delete its directory."""
        report = {"removed_containers": 0, "killed": [], "unmounted": []}
        if self.running:
            with contextlib.suppress(OSError, ValueError, IndexError):
                report["removed_containers"] = self.remove_containers()
            self.stop(signal.SIGTERM, timeout=30)
        # After SIGKILL or with live-restore, container processes and shims survive.
        for pid in self._container_inits() + self._own_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                report["killed"].append(pid)
        for _ in range(50):  # deepest first; lazy unmount so a busy mount cannot block us
            points = sorted(set(self._mounts()), key=len, reverse=True)
            if not points:
                break
            for point in points:
                if _libc.umount2(point.encode(), MNT_DETACH) == 0:
                    report["unmounted"].append(point)
            time.sleep(0.05)
        shutil.rmtree(self.base, ignore_errors=True)
        return report


def remove_stale(parent: str = "/tmp", older_than: float = 3600) -> list[str]:
    """Clean up after test runs that died without close(): dirs dockerd2-* whose dockerd
    is not running and whose log was not written for `older_than` seconds (a younger dir
    may be another pytest-xdist worker's daemon in the middle of a planned outage)."""
    removed = []
    for base in Path(parent).glob("dockerd2-*"):
        try:
            pid = int((base / "docker.pid").read_text().strip())
            if Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd":
                continue
        except (OSError, ValueError):
            pass
        log = base / "dockerd.log"
        age = time.time() - (log.stat().st_mtime if log.exists() else base.stat().st_mtime)
        if age >= older_than:
            SecondDaemon(base).close()
            removed.append(str(base))
    return removed


@contextlib.contextmanager
def second_daemon(**kwargs):
    d = SecondDaemon(**kwargs)
    try:
        d.start()
        yield d
    finally:
        d.close()
