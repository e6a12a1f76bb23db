"""What the run reads back from a container (traces, observations, snapshots) comes through
``commands.execute``, the docker CLI, whole: the SDK's ``exec_run`` can lose the first bytes of
an exec's output (docker/docker-py#3332; a CI run saw "34 is not a valid stream" while
collecting a group's snapshots)."""

from __future__ import annotations

import pytest

from matrix.build.commands import ExecFailed, execute

pytestmark = pytest.mark.docker


def test_a_command_s_outputs_and_status_come_back_whole_and_apart(image_for, start_container):
    container = start_container(image_for.platform("ubuntu").tag, "ubuntu")
    # 4 MB on stdout in many writes, a line on stderr in between, and the command's own status
    out = execute(container.id, ["sh", "-c", "i=0; while [ $i -lt 4000 ]; do "
                                 "printf '%01023d\\n' $i; i=$((i+1)); "
                                 "[ $i -eq 2000 ] && echo half >&2; done; exit 3"], "ubuntu",
                  "/tmp", {"GOVM_X": "a b"})
    lines = out.stdout.decode().splitlines()
    assert out.exit_code == 3 and out.stderr == b"half\n"
    assert len(out.stdout) == 4000 * 1024 and [int(line) for line in lines] == list(range(4000))
    where = execute(container.id, ["sh", "-c", 'id -un; pwd; printf %s "$GOVM_X"'], "root",
                    "/tmp", {"GOVM_X": "a b"})
    assert where.stdout == b"root\n/tmp\na b" and where.exit_code == 0


def test_docker_failing_is_an_error_not_a_command_s_status(docker_client):
    with pytest.raises(ExecFailed, match="No such container"):
        execute("govm-matrix-no-such-container", ["true"], "root")
