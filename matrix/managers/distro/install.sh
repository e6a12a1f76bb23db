#!/bin/sh
# How one adapter switches the packages the layer below installed (packages/install.sh): the
# PATH line in the login profile (DISTRO_VARIANT=profile) or an update-alternatives group on
# /usr/local/bin/go (DISTRO_VARIANT=alternatives).
set -eu
. /opt/govm-matrix/lib.sh
. /opt/govm-matrix/distro-packages.env
set -- $GO_VERSIONS
first=${1%.*}  # the series selected first: the first version's

if [ "$DISTRO_VARIANT" = alternatives ]; then
  priority=100
  for v in $GO_VERSIONS; do
    series=${v%.*}
    update-alternatives --quiet --install /usr/local/bin/go go "/usr/lib/go-$series/bin/go" \
      "$priority" --slave /usr/local/bin/gofmt gofmt "/usr/lib/go-$series/bin/gofmt"
    priority=$((priority + 1))
  done
  update-alternatives --quiet --set go "/usr/lib/go-$first/bin/go"
  how="an update-alternatives group on /usr/local/bin/go"
else
  append_line "$PLATFORM_HOME/.profile" "export PATH=\$PATH:/usr/lib/go-$first/bin"
  if [ "$LOGIN_SHELL" = zsh ]; then
    append_line "$PLATFORM_HOME/.zprofile" "export PATH=\$PATH:/usr/lib/go-$first/bin"
  fi
  how="the PATH line in ~/.profile"
fi
printf '{"name": "distro", "version": "%s", "source": "%s packages with apt, switched by %s"}\n' \
  "$installed" "$source" "$how" > /opt/govm-matrix/manager.json
