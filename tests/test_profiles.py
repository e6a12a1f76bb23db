"""The platform profiles' own scripts, run on the host where they are plain sh."""

from __future__ import annotations

import subprocess

from matrix.platforms import PLATFORMS, images_root

PATH_HELPER = images_root() / "macos-runner" / "path_helper"


def _path_helper(tmp_path, path: str, paths_d: dict[str, str]) -> str:
    etc = tmp_path / "etc"
    (etc / "paths.d").mkdir(parents=True)
    (etc / "paths").write_text("/usr/local/bin\n/usr/bin\n/bin\n")
    for name, text in paths_d.items():
        (etc / "paths.d" / name).write_text(text)
    script = PATH_HELPER.read_text().replace("/etc/paths", str(etc / "paths"))
    out = subprocess.run(["sh", "-c", script, "path_helper", "-s"], capture_output=True,
                         text=True, env={"PATH": path}, check=True)
    return out.stdout


def test_path_helper_puts_system_paths_first_then_the_rest_without_repeats(tmp_path):
    out = _path_helper(tmp_path, "/Users/runner/bin:/usr/bin:/opt/x",
                       {"go": "/usr/local/go/bin\n", "10-a": "/opt/a\n"})
    assert out == ('PATH="/usr/local/bin:/usr/bin:/bin:/opt/a:/usr/local/go/bin:'
                   '/Users/runner/bin:/opt/x"; export PATH;\n')


def test_every_profile_has_a_dockerfile_and_says_what_it_cannot_emulate():
    for platform in PLATFORMS.values():
        assert (platform.image_dir / "Dockerfile").is_file()
        readme = (platform.image_dir / "README.md").read_text()
        assert "Cannot emulate" in readme
        assert platform.cannot and platform.emulates


def test_wsl2_path_has_windows_entries_with_spaces():
    dockerfile = (images_root() / "wsl2" / "Dockerfile").read_text()
    assert "/mnt/c/Program Files/Go/bin" in dockerfile
    assert "WSL_DISTRO_NAME" in dockerfile and "WSLENV" in dockerfile
