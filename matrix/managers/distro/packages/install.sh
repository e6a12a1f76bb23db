#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
. /etc/os-release

packages=""
for v in $GO_VERSIONS; do packages="$packages golang-${v%.*}-go"; done

if [ "$ID" = debian ]; then
  # The loopback repository of the archive's own files, for this step only: apt checks its
  # InRelease against /usr/share/keyrings/debian-archive-keyring.gpg like any Debian archive.
  # Its Valid-Until (a week) is not checked: the cached index outlives it; the signature is.
  list=/etc/apt/sources.list.d/govm-matrix-golang.list
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg check-valid-until=no] %s/debian %s main\n' \
    "$MIRROR" "$DISTRO_SUITE" > "$list"
  apt-get update -qq -o Acquire::Languages=none -o Dir::Etc::sourcelist="$list" \
    -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
  apt-get install -y -qq --no-install-recommends -o Dir::Etc::sourcelist="$list" \
    -o Dir::Etc::sourceparts=- $packages >/dev/null
  rm -f "$list"
  source="Debian $DISTRO_SUITE"
else
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null
  source="$NAME $VERSION_ID"
fi
rm -rf /var/lib/apt/lists/*

# Each version asked for is the distribution's release of its series.
roots=""
installed=""
for v in $GO_VERSIONS; do
  series=${v%.*}
  root=/usr/lib/go-$series
  got=$("$root/bin/go" version | sed -n 's/^go version go\([0-9.]*\) .*/\1/p')
  case $got in
    "$series".*) ;;
    *) echo "golang-$series-go installed go$got, not a $series release" >&2; exit 1 ;;
  esac
  goroot=$(as_user env -u GOROOT -u GOFLAGS GOTOOLCHAIN=local "$root/bin/go" env GOROOT)
  [ "$goroot" = "$root" ] || { echo "$root/bin/go says its GOROOT is $goroot" >&2; exit 1; }
  warm_build_cache "$root/bin/go"
  roots="${roots}${roots:+, }\"$v\": {\"install\": \"$root\", \"goroot\": \"$goroot\", \"version\": \"$got\"}"
  installed="${installed}${installed:+, }golang-$series-go $(dpkg-query -W -f '${Version}' "golang-$series-go") (go$got)"
done
write_roots "{$roots}"
# What the adapters' own layers above this one need: the version line of manager.json.
printf 'installed=%s\nsource=%s\n' "'$installed'" "'$source'" > /opt/govm-matrix/distro-packages.env
