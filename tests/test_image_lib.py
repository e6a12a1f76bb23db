"""The shell helpers of the image layers (images/base/lib.sh), run on the host as plain sh."""

from __future__ import annotations

import subprocess

from matrix.platforms import images_root

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


def test_a_root_is_recorded_only_when_its_go_is_the_version_asked_for(tmp_path):
    for version in ("1.21.13", "1.22.10"):
        go = tmp_path / version / "bin" / "go"
        go.parent.mkdir(parents=True)
        go.write_text(f'#!/bin/sh\necho "go version go{version} linux/amd64"\n')
        go.chmod(0o755)
    body = (f'warm_build_cache() {{ echo "WARM $1"; }}\n'
            f'roots=""\n'
            f'record_root 1.21.13 {tmp_path}/1.21.13 {tmp_path}/1.21.13/bin/go "unpacking"\n'
            f'record_root 1.22.10 {tmp_path}/1.22.10 {tmp_path}/1.22.10/bin/go "unpacking"\n'
            'echo "{$roots}"')
    status, out, _ = run_lib(tmp_path, body, "")
    assert status == 0, out
    assert f"WARM {tmp_path}/1.21.13/bin/go" in out
    assert out.splitlines()[-1] == (f'{{"1.21.13": "{tmp_path}/1.21.13", '
                                    f'"1.22.10": "{tmp_path}/1.22.10"}}')
    body = (f'warm_build_cache() {{ echo "WARM $1"; }}\n'
            f'record_root 1.22.10 {tmp_path}/1.21.13 {tmp_path}/1.21.13/bin/go '
            '"mise where go@1.22.10"\necho AFTER')
    status, out, _ = run_lib(tmp_path, body, "")
    assert status == 1 and "AFTER" not in out and "WARM" not in out
    assert f"mise where go@1.22.10 gave {tmp_path}/1.21.13, which does not hold go1.22.10" in out
