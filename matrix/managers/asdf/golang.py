"""What the asdf-golang plugin is, shared by the asdf adapters (0.15 and 0.16+): where its
repository sits in the mirror, what it needs, what it does to the environment (read in its
bin/exec-env and set-env scripts)."""

from __future__ import annotations

from ...supply import pins

ASDF_GOLANG_REPO_URL = pins.ASDF_GOLANG_REPO
# The mirror path of the bare repository `mirror add asdf-golang` writes, served over git's
# HTTP protocols; its info/refs file stands for the whole repository.
ASDF_GOLANG_GIT = "git/asdf-golang.git"
ASDF_GOLANG_REFS_KEY = f"{ASDF_GOLANG_GIT}/info/refs"
# asdf-golang's bin/download: download_url="https://dl.google.com/go/go${version}...tar.gz"
GO_DOWNLOAD_HOST = "dl.google.com"

GOLANG_PLUGIN_REQUIRES = {
    ASDF_GOLANG_REFS_KEY: f"the asdf-golang plugin's git repository (a full clone of "
                          f"{ASDF_GOLANG_REPO_URL})",
}

GOLANG_BEHAVIOUR = {
    "GOROOT": "asdf-golang's bin/exec-env exports GOROOT=<install>/go for each command a shim "
              "runs, but only when GOROOT is unset; its set-env script (sourced from the rc "
              "file, as its README asks) exports the selected version's GOROOT: once when "
              "~/.bashrc is read (set-env.bash), at every prompt in zsh (set-env.zsh)",
    "GOPATH": "bin/exec-env: <install>/packages when GOPATH is unset, so one per version; "
              "set-env exports the same",
    "GOBIN": "bin/exec-env: <install>/bin when GOBIN is unset, so one per version; set-env "
             "exports the same",
}
