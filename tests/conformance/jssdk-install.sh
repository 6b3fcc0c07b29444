#!/bin/sh
# jssdk-install.sh SRCDIR DESTDIR: install the official KSM JS SDK pinned by
# SRCDIR/package-lock.json into DESTDIR with `npm ci` (npm cache in
# DESTDIR/npm-cache), once per lockfile, and print the SDK's directory (what
# KSM_JSSDK names).  Tests run in parallel under make check: an flock makes
# the first caller install while the others wait, then all share one copy.
# Exit 2: node or npm missing (the caller skips); 1: npm ci failed (its
# output on stderr).
set -u
src=$1 dest=$2
command -v node >/dev/null 2>&1 || { echo "node not installed (apt-get install nodejs npm)" >&2; exit 2; }
command -v npm >/dev/null 2>&1 || { echo "node is installed but npm is not (apt-get install npm)" >&2; exit 2; }
mkdir -p "$dest" || exit 1
exec 9>"$dest/.install-lock" || exit 1
flock 9 || exit 1
if ! [ "$src" -ef "$dest" ]; then
	for f in package.json package-lock.json; do
		cmp -s "$src/$f" "$dest/$f" || cp "$src/$f" "$dest/$f" || exit 1
	done
fi
# npm ci wipes node_modules, the stamp with it: it only survives a success
stamp=$dest/node_modules/.ksm-installed-lock
if ! cmp -s "$dest/package-lock.json" "$stamp" 2>/dev/null; then
	log=$dest/npm-ci.log
	if (cd "$dest" && timeout 300 env npm_config_cache="$dest/npm-cache" \
	    npm_config_update_notifier=false \
	    npm ci --no-audit --no-fund --prefer-offline) >"$log" 2>&1; then
		cp "$dest/package-lock.json" "$stamp"
	else
		cat "$log" >&2
		echo "npm ci in $dest failed (needs the npm registry once; then its cache)" >&2
		exit 1
	fi
fi
echo "$dest/node_modules/@keeper-security/secrets-manager-core"
