"""The shell helpers of the image layers (images/base/lib.sh), run on the host as plain sh."""

from __future__ import annotations

import json
import subprocess

from matrix.build.images import images_root

LIB = images_root() / "base" / "lib.sh"


def run_lib(tmp_path, body: str, ca: str) -> tuple[int, str, str]:
    """Source lib.sh with a stand-in update-ca-certificates and CA folder, then run body."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "update-ca-certificates").write_text(
        f'#!/bin/sh\necho "update $*" >> {tmp_path}/calls\n')
    (bin_dir / "update-ca-certificates").chmod(0o755)
    bundle = tmp_path / "bundle.crt"
    script = LIB.read_text().replace("/etc/ssl/certs/ca-certificates.crt", str(bundle))
    script += f'\nMIRROR_CA_FILE={tmp_path}/govm-mirror.crt\nset -eu\n{body}\n'
    proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                          env={"PATH": f"{bin_dir}:/usr/bin:/bin", "MIRROR_CA": ca})
    calls = (tmp_path / "calls").read_text() if (tmp_path / "calls").exists() else ""
    return proc.returncode, proc.stdout + proc.stderr, calls


def test_the_mirror_ca_is_trusted_for_the_step_and_removed_even_when_it_fails(tmp_path):
    status, out, calls = run_lib(tmp_path, 'trust_mirror_ca; cat "$MIRROR_CA_FILE"; false',
                                 "-----BEGIN-----\nTHE-CA\n-----END-----")
    assert status == 1 and "THE-CA" in out
    assert not (tmp_path / "govm-mirror.crt").exists()
    assert calls == "update \nupdate --fresh\n"


def test_untrust_fails_when_the_ca_is_still_in_the_bundle(tmp_path):
    (tmp_path / "bundle.crt").write_text("THE-CA\n")
    status, out, _ = run_lib(tmp_path, "trust_mirror_ca; untrust_mirror_ca",
                             "-----BEGIN-----\nTHE-CA\n-----END-----")
    assert status == 1 and "the mirror CA is still trusted" in out
    (tmp_path / "bundle.crt").write_text("")
    status, out, _ = run_lib(tmp_path, "trust_mirror_ca; untrust_mirror_ca; echo done",
                             "-----BEGIN-----\nTHE-CA\n-----END-----")
    assert status == 0 and out.strip().endswith("done")


def test_no_ca_is_a_clear_error(tmp_path):
    status, out, _ = run_lib(tmp_path, "trust_mirror_ca", "")
    assert status == 1 and "no MIRROR_CA: this layer needs the HTTPS mirror" in out


FAKE_GO = """#!/bin/sh
root=$(cd "$(dirname "$0")/.." && pwd)
case $1 in
  version) echo "go version go$(cat "$root/VERSION") linux/amd64" ;;
  env) [ "$2" = GOROOT ] && [ -z "${GOROOT:-}" ] && [ "$GOTOOLCHAIN" = local ] && echo "$root" ;;
esac
"""


def _fake_go(root, version: str):
    go = root / "bin" / "go"
    go.parent.mkdir(parents=True)
    go.write_text(FAKE_GO)
    go.chmod(0o755)
    (root / "VERSION").write_text(version)
    return go


STUBS = 'warm_build_cache() { echo "WARM $1"; }\nas_user() { "$@"; }\nroots=""\n'


def test_a_root_is_recorded_with_its_goroot_only_when_its_go_is_the_version_asked_for(tmp_path):
    _fake_go(tmp_path / "1.21.13", "1.21.13")
    _fake_go(tmp_path / "asdf" / "1.22.10" / "go", "1.22.10")  # asdf: GOROOT one level down
    body = (STUBS + f'record_root 1.21.13 {tmp_path}/1.21.13 {tmp_path}/1.21.13/bin/go "x"\n'
            f'record_root 1.22.10 {tmp_path}/asdf/1.22.10 {tmp_path}/asdf/1.22.10/go/bin/go '
            '"asdf where golang 1.22.10"\necho "{$roots}"')
    status, out, _ = run_lib(tmp_path, body, "")
    assert status == 0, out
    assert f"WARM {tmp_path}/1.21.13/bin/go" in out
    assert json.loads(out.splitlines()[-1]) == {
        "1.21.13": {"install": f"{tmp_path}/1.21.13", "goroot": f"{tmp_path}/1.21.13"},
        "1.22.10": {"install": f"{tmp_path}/asdf/1.22.10",
                    "goroot": f"{tmp_path}/asdf/1.22.10/go"}}


def test_a_root_holding_another_version_is_refused(tmp_path):
    _fake_go(tmp_path / "1.21.13", "1.21.13")
    body = (STUBS + f'record_root 1.22.10 {tmp_path}/1.21.13 {tmp_path}/1.21.13/bin/go '
            '"mise where go@1.22.10"\necho AFTER')
    status, out, _ = run_lib(tmp_path, body, "")
    assert status == 1 and "AFTER" not in out and "WARM" not in out
    assert f"mise where go@1.22.10 gave {tmp_path}/1.21.13, which does not hold go1.22.10" in out


def test_a_goroot_outside_the_install_folder_is_refused(tmp_path):
    _fake_go(tmp_path / "elsewhere", "1.21.13")
    (tmp_path / "install").mkdir()
    body = (STUBS + f'record_root 1.21.13 {tmp_path}/install {tmp_path}/elsewhere/bin/go "x"\n'
            "echo AFTER")
    status, out, _ = run_lib(tmp_path, body, "")
    assert status == 1 and "AFTER" not in out
    assert f"GOROOT {tmp_path}/elsewhere is outside its install folder {tmp_path}/install" in out
