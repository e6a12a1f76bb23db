#!/usr/bin/env bash
# Installs a Go version manager and two Go versions on a real runner, by the tool's documented
# method, as the runner's own user would; then `govm-matrix doctor --switch` measures it.
#   install.sh manual|mise OLD NEW
# manual: Go's install docs (the release tarball, /usr/local/go/bin on PATH in ~/.profile),
#         one folder per version and /usr/local/go a symlink to the selected one.
# mise:   its documented installer (https://mise.run) and `eval "$(mise activate bash)"` in
#         ~/.bashrc; `mise use -g go@OLD` selects.
# Either way OLD is selected at the end. Every download is checked: Go tarballs against the
# sha256 the Go download site publishes, mise by its own installer.
set -euo pipefail
manager=$1 old=$2 new=$3
login=$(basename "${SHELL:-bash}")
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) goos=linux goarch=amd64 ;;
  Linux-aarch64) goos=linux goarch=arm64 ;;
  Darwin-arm64) goos=darwin goarch=arm64 ;;
  Darwin-x86_64) goos=darwin goarch=amd64 ;;
  *) echo "install.sh: no Go release for $(uname -s) $(uname -m)" >&2; exit 2 ;;
esac

append() {  # append a line to a file once
  touch "$1"
  grep -qxF -- "$2" "$1" || printf '%s\n' "$2" >> "$1"
}

go_sha256() {  # the sha256 the Go download site publishes for a release file
  curl -fsSL 'https://go.dev/dl/?mode=json&include=all' | python3 -c '
import json, sys
name = sys.argv[1]
for release in json.load(sys.stdin):
    for f in release["files"]:
        if f["filename"] == name:
            print(f["sha256"]); sys.exit(0)
sys.exit("no sha256 published for " + name)' "$1"
}

case "$manager" in
  manual)
    work=$(mktemp -d)
    for v in "$old" "$new"; do
      file=go$v.$goos-$goarch.tar.gz
      curl -fsSLo "$work/$file" "https://go.dev/dl/$file"
      echo "$(go_sha256 "$file")  $work/$file" | shasum -a 256 -c -
      sudo rm -rf "/usr/local/go-$v" && sudo mkdir -p "/usr/local/go-$v"
      sudo tar -C "/usr/local/go-$v" --strip-components=1 -xzf "$work/$file"
    done
    rm -rf "$work"
    sudo ln -sfn "/usr/local/go-$old" /usr/local/go
    append "$HOME/.profile" 'export PATH=$PATH:/usr/local/go/bin'
    if [ "$login" = zsh ]; then append "$HOME/.zprofile" 'export PATH=$PATH:/usr/local/go/bin'; fi
    ;;
  mise)
    curl -fsSL https://mise.run | sh
    mise=$HOME/.local/bin/mise
    "$mise" --version
    "$mise" install "go@$old" "go@$new"
    "$mise" use -g "go@$old"
    append "$HOME/.bashrc" "eval \"\$($mise activate bash)\""
    if [ "$login" = zsh ]; then append "$HOME/.zshrc" "eval \"\$($mise activate zsh)\""; fi
    ;;
  *) echo "install.sh: unknown manager $manager (manual or mise)" >&2; exit 2 ;;
esac
