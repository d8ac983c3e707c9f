#!/bin/bash
# npm_setup.sh DIR: install the npm packages the WebSocket tests need
# (aedes, an MQTT broker, and ws, a WebSocket server) into DIR, once:
# a second call finds them there.  Never committed, never global.
# Exit 77 (skip) when npm is missing or cannot reach its registry.
set -u
dir=$1
if [ -f "$dir/node_modules/aedes/package.json" ] &&
	[ -f "$dir/node_modules/ws/package.json" ]; then
	exit 0
fi
command -v node >/dev/null 2>&1 || { echo "node not found"; exit 77; }
command -v npm >/dev/null 2>&1 || { echo "npm not found"; exit 77; }
mkdir -p "$dir" || exit 1
# one installer at a time when suites run in parallel
exec 9>"$dir/.lock"
flock -w 300 9 || { echo "npm lock busy"; exit 77; }
if [ -f "$dir/node_modules/aedes/package.json" ] &&
	[ -f "$dir/node_modules/ws/package.json" ]; then
	exit 0
fi
if ! timeout 240 npm install --no-audit --no-fund --prefix "$dir" \
	aedes@0 ws@8 >"$dir/npm.log" 2>&1; then
	echo "npm install failed (no registry?):"
	tail -5 "$dir/npm.log"
	exit 77
fi
exit 0
