# Shell helpers for the image layers (manager install scripts, platform set-up): platform
# facts, mirror downloads with checksums, the build-cache warm-up.
. /etc/govm-matrix/platform.env

fetch_verified() {  # fetch_verified URL DEST: download and check against URL.sha256
  curl -fsS "$1" -o "$2"
  echo "$(curl -fsS "$1.sha256")  $2" | sha256sum -c - >/dev/null
}

as_user() {  # as_user CMD...: run as the platform user with its HOME, no login files read
  runuser -u "$PLATFORM_USER" -- env HOME="$PLATFORM_HOME" USER="$PLATFORM_USER" "$@"
}

warm_build_cache() {  # warm_build_cache GOBINARY: compile hello world once as the user
  dir=$(as_user mktemp -d)
  printf 'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\nfunc main() {\n\tfmt.Println(runtime.Version())\n}\n' > "$dir/main.go"
  printf 'module hello\n\ngo 1.21\n' > "$dir/go.mod"
  chown -R "$PLATFORM_USER" "$dir"
  (cd "$dir" && as_user env GOTOOLCHAIN=local GOFLAGS= "$1" build -o hello . && ./hello)
  rm -rf "$dir"
}

append_line() {  # append_line FILE LINE: append as the user, creating the file if needed
  as_user sh -c 'printf "%s\n" "$2" >> "$1"' sh "$1" "$2"
}

write_roots() {  # write_roots JSON
  mkdir -p /opt/govm-matrix && printf '%s\n' "$1" > /opt/govm-matrix/roots.json
}
