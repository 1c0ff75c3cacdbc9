#!/bin/sh
# Raises the open-file limit for 10k connections (one fd per socket on each side), then runs the harness.
cur=$(ulimit -n)
if [ "$cur" != "unlimited" ] && [ "$cur" -lt 65536 ]; then ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; fi
exec node "$(dirname "$0")/run.mjs" "$@"
