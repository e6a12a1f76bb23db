#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh

# The HTTPS mirror's CA is trusted for this step only.
trust_mirror_ca

# SDKMAN's install page: curl -s "https://get.sdkman.io" | bash
as_user bash -c 'curl -s "https://get.sdkman.io" | bash'
init=$PLATFORM_HOME/.sdkman/bin/sdkman-init.sh
[ -s "$init" ] || { echo "SDKMAN's installer left no $init" >&2; exit 1; }
version=$(cat "$PLATFORM_HOME/.sdkman/var/version")

untrust_mirror_ca

# SDKMAN has no Go candidate: nothing to install. Each cell asks it at run time.
write_roots "{}"
printf '{"name": "sdkman", "version": "%s", "source": "SDKMAN %s by its installer from the HTTPS mirror of its servers; no Go (SDKMAN has no Go candidate)"}\n' \
  "$version" "$version" > /opt/govm-matrix/manager.json
