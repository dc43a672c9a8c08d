#!/usr/bin/env bash
# Runs the whole test suite: installs the system packages the tests need, builds (debug) and
# runs every test. Safe to run repeatedly; CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(libsqlite3-dev pkg-config curl openssl)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# The official Python client, driven by the end-to-end tests.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import kubernetes' >/dev/null 2>&1; then
    python3 -m pip install --quiet kubernetes || echo "warning: pip could not install the kubernetes client; its end-to-end test will be skipped" >&2
fi

if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not installed: run scripts/install.sh first" >&2; exit 1; }

swift build --build-tests
# Tests share 2 cores: many start whole API servers or clusters, so run at most 6 at a time
# (unbounded, the ones with deadlines starve).
swift test --skip-build --experimental-maximum-parallelization-width 6 "$@"
