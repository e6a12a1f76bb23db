# Shell helpers for the image layers (manager install scripts, platform set-up): platform
# facts, mirror downloads with checksums, the build-cache warm-up.
if [ -r /etc/govm-matrix/platform.env ]; then . /etc/govm-matrix/platform.env; fi

fetch_verified() {  # fetch_verified URL DEST: download and check against URL.sha256
  curl -fsS "$1" -o "$2"
  echo "$(curl -fsS "$1.sha256")  $2" | sha256sum -c - >/dev/null
}

as_user() {  # as_user CMD...: run as the platform user with its HOME, no login files read
  runuser -u "$PLATFORM_USER" -- env HOME="$PLATFORM_HOME" USER="$PLATFORM_USER" "$@"
}

hello_module() {  # hello_module DIR: a module that prints the version of the go that built it
  printf 'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\nfunc main() {\n\tfmt.Println(runtime.Version())\n}\n' > "$1/main.go"
  printf 'module hello\n\ngo 1.21\n' > "$1/go.mod"
}

warm_build_cache() {  # warm_build_cache GOBINARY: compile hello world once as the user
  dir=$(as_user mktemp -d)
  hello_module "$dir"
  chown -R "$PLATFORM_USER" "$dir"
  (cd "$dir" && as_user env GOTOOLCHAIN=local GOFLAGS= "$1" build -o hello . && ./hello)
  rm -rf "$dir"
  # go marks a cache entry used by moving its time to now when it is more than an hour old,
  # and trims entries unused for five days. In a container of an image older than that, each
  # entry a build used would be copied into the container's own layer (some 26 MB per
  # toolchain) just to change its time, and once the image is five days old the first go
  # command would trim away what the next toolchain needs. Entries dated ahead are neither.
  date_cache_entries "$(as_user env GOTOOLCHAIN=local "$1" env GOCACHE)"
}
date_cache_entries() {  # date_cache_entries GOCACHE: those not dated ahead yet (touching one
  # that a layer below holds would copy it into this layer)
  find "$1" -type f -name '*-[ad]' ! -newermt "2099-12-31 00:00:00 UTC" \
    -exec touch -c -d "2100-01-01 00:00:00 UTC" {} +
}

# The pinned releases' build cache, made once in the base layer and given to each platform's
# user. go builds the standard library as if with -trimpath, so its cache entries do not depend
# on where GOROOT is: a manager layer above that installs one of these releases (the same
# compiler) finds the standard library built, instead of building it again in every image
# (about 10 CPU-seconds a release), and its warm_build_cache leaves the cache it left before.
# A cache made elsewhere and restored is how CI jobs commonly start (a cached ~/.cache/go-build).
PINNED_CACHE=/opt/govm-matrix/go-build
warm_pinned_cache() {  # warm_pinned_cache MIRROR VERSION...: each release from the mirror, in a
  # folder removed afterwards, builds hello world into $PINNED_CACHE
  mirror=$1; shift
  for v in "$@"; do
    dir=$(mktemp -d)
    fetch_verified "$mirror/go/go$v.linux-amd64.tar.gz" "$dir/go.tgz"
    tar -C "$dir" -xzf "$dir/go.tgz"
    mkdir "$dir/hello" && hello_module "$dir/hello"
    (cd "$dir/hello" && HOME=$dir GOCACHE=$PINNED_CACHE GOTOOLCHAIN=local GOFLAGS= \
      "$dir/go/bin/go" build -o hello . && ./hello) | grep -qxF "go$v" \
      || { echo "go$v from the mirror did not build hello world" >&2; exit 1; }
    rm -rf "$dir"
  done
  [ ! -d "$PINNED_CACHE" ] || date_cache_entries "$PINNED_CACHE"
}
restore_pinned_cache() {  # restore_pinned_cache: the platform user's build cache starts as it
  [ -d "$PINNED_CACHE" ] || return 0
  mkdir -p "$PLATFORM_HOME/.cache" && cp -a "$PINNED_CACHE" "$PLATFORM_HOME/.cache/go-build" \
    && chown -R "$PLATFORM_USER:" "$PLATFORM_HOME/.cache"
}

append_line() {  # append_line FILE LINE: append as the user, creating the file if needed
  as_user sh -c 'printf "%s\n" "$2" >> "$1"' sh "$1" "$2"
}

# record_root VERSION ROOT GO WHAT: the manager's install of goVERSION is the folder ROOT (what
# the manager's own command reports), its go command GO; check that GO is that version (WHAT says
# where ROOT came from, for the error), ask GO for its GOROOT (for asdf it is one level down, in
# ROOT/go), warm its build cache and add both to $roots, the JSON members write_roots takes.
record_root() {
  "$3" version | grep -qF "go version go$1 " \
    || { echo "$4 gave $2, which does not hold go$1" >&2; exit 1; }
  goroot=$(as_user env -u GOROOT -u GOFLAGS GOTOOLCHAIN=local "$3" env GOROOT) \
    || { echo "$3 env GOROOT failed" >&2; exit 1; }
  "$goroot/bin/go" version | grep -qF "go version go$1 " \
    || { echo "go$1's GOROOT $goroot holds no go$1 (bin/go)" >&2; exit 1; }
  case $goroot/ in
    "$2"/*|"$(readlink -f "$2")"/*) ;;
    *) echo "go$1's GOROOT $goroot is outside its install folder $2" >&2; exit 1 ;;
  esac
  warm_build_cache "$3"
  roots="${roots:-}${roots:+, }\"$1\": {\"install\": \"$2\", \"goroot\": \"$goroot\"}"
}

write_roots() {  # write_roots JSON
  mkdir -p /opt/govm-matrix && printf '%s\n' "$1" > /opt/govm-matrix/roots.json
}

# The HTTPS mirror's certificate authority (build arg MIRROR_CA), trusted for one build step
# only: trust_mirror_ca installs it and arranges its removal on every exit; untrust_mirror_ca
# removes it and fails if it is still trusted.
MIRROR_CA_FILE=/usr/local/share/ca-certificates/govm-mirror.crt
trust_mirror_ca() {
  [ -n "${MIRROR_CA:-}" ] || { echo "no MIRROR_CA: this layer needs the HTTPS mirror" >&2; exit 1; }
  trap 'rm -f "$MIRROR_CA_FILE"; update-ca-certificates --fresh >/dev/null 2>&1' EXIT
  printf '%s\n' "$MIRROR_CA" > "$MIRROR_CA_FILE" && update-ca-certificates >/dev/null 2>&1
}
untrust_mirror_ca() {
  rm -f "$MIRROR_CA_FILE" && update-ca-certificates --fresh >/dev/null 2>&1 && trap - EXIT
  if grep -qF -- "$(printf '%s\n' "$MIRROR_CA" | sed -n 2p)" /etc/ssl/certs/ca-certificates.crt
  then echo "the mirror CA is still trusted" >&2; exit 1; fi
}
