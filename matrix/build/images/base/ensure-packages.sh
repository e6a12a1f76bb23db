#!/bin/sh
# Installs what the profiles and the probe need when the base image lacks it (an official
# distribution image). The mmdebstrap base already has all of it, so this is a no-op there.
set -eu
PACKAGES="bash zsh ca-certificates curl git sudo procps python3 passwd util-linux xz-utils zip unzip strace"
missing=""
for cmd in bash zsh curl git sudo ps python3 useradd runuser xz zip unzip strace; do
  command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"
python3 -c "import json" 2>/dev/null || missing="$missing python3-stdlib"
if [ -n "$missing" ]; then
  echo "installing packages, missing:$missing"
  apt-get update
  apt-get install -y --no-install-recommends $PACKAGES
  rm -rf /var/lib/apt/lists/*
fi
