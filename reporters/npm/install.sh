#!/usr/bin/env bash
# Installs the npm packages of the reporters (pinned in package.json beside this script) into
# BUILD_DIR/_deps/npm-reporters: mutation-testing-elements (its JS is inlined by the elements-html
# reporter), mutation-testing-report-schema, ajv and ajv-formats (the tests validate the elements JSON).
# Usage: reporters/npm/install.sh BUILD_DIR. Safe to re-run: does nothing when already installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: install.sh BUILD_DIR}"
dest="$build/_deps/npm-reporters"
command -v npm >/dev/null || { echo "install.sh: npm not found (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dest"
if ! cmp -s "$here/package.json" "$dest/package.json" ||
   [ ! -f "$dest/node_modules/mutation-testing-elements/dist/mutation-test-elements.js" ]; then
  # Several test processes may call this at once: one installs, the others wait for it.
  exec 9>"$dest/.install.lock"
  flock 9
  if ! cmp -s "$here/package.json" "$dest/package.json" ||
     [ ! -f "$dest/node_modules/mutation-testing-elements/dist/mutation-test-elements.js" ]; then
    cp "$here/package.json" "$dest/package.json"
    (cd "$dest" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
  fi
fi
for f in mutation-testing-elements/dist/mutation-test-elements.js \
         mutation-testing-report-schema/dist/src/mutation-testing-report-schema.json ajv/package.json ajv-formats/package.json; do
  test -f "$dest/node_modules/$f" || { echo "install.sh: missing $dest/node_modules/$f" >&2; exit 1; }
done
echo "$dest"
