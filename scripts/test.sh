#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (system packages, and the official
# Python client in a virtual environment), builds (debug) and runs every test, then prints how
# many ran, passed, failed and were skipped. Safe to run repeatedly; CI (.ci/run) calls exactly
# this. Arguments go to `swift test` (e.g. `--filter EndToEndTests`).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# In CI a test that cannot run is a failure, not a skip.
fail_or_warn() {
    if [ -n "${CI:-}" ]; then echo "error: $1" >&2; exit 1; fi
    echo "warning: $1" >&2
}

packages=(libsqlite3-dev pkg-config curl openssl python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# The official Python client, driven by the end-to-end tests. Debian 12's system Python refuses
# `pip install` (an externally managed environment), so it goes into a virtual environment of
# its own; the tests find its interpreter through K3S_TEST_PYTHON.
venv=.build/python-venv
if ! "$venv/bin/python" -c 'import kubernetes' >/dev/null 2>&1; then
    rm -rf "$venv"
    mkdir -p .build
    if python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check kubernetes; then
        echo "installed the kubernetes Python client into $venv"
    else
        fail_or_warn "cannot install the kubernetes Python client into $venv; its end-to-end test will be skipped"
    fi
fi
if [ -x "$venv/bin/python" ]; then
    K3S_TEST_PYTHON="$PWD/$venv/bin/python"
    export K3S_TEST_PYTHON
fi

if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not installed: run scripts/install.sh first" >&2; exit 1; }

swift build --build-tests

# Tests share 2 cores: many start whole API servers or clusters, so run at most 6 at a time
# (unbounded, the ones with deadlines starve). The output is kept to count the results.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build --experimental-maximum-parallelization-width 6 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Swift Testing prints one line per test: "<symbol> Test name() passed after ...", "... failed
# after ...", "... skipped: reason" (a skipped suite also reports each of its tests skipped).
count() { grep -E -c "$1" "$log" | tr -d '[:space:]' || true; }
# The lines reporting a skip: "... skipped." or "... skipped: reason", never a passed or failed
# test whose name happens to hold the word.
skip_lines() { grep -E "^([^ ]+ )?$1 .* skipped(\.|: )" "$log" | grep -E -v ' (passed|failed) after ' || true; }
failed=$(( $(count '^([^ ]+ )?Test .* failed after') - $(count '^([^ ]+ )?Test run with .* failed after') ))
skipped=$(skip_lines Test | grep -c . | tr -d '[:space:]' || true)
# Parallel tests can write their lines into each other, so the total comes from Swift Testing's
# own closing line ("Test run with N tests in M suites ...", skipped tests included) when there
# is one; counting the per-test lines is the fallback.
total=$(grep -oE 'Test run with [0-9]+ tests' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
if [ -n "$total" ]; then
    passed=$(( total - failed - skipped ))
else
    passed=$(( $(count '^([^ ]+ )?Test .* passed after') - $(count '^([^ ]+ )?Test run with .* passed after') ))
fi
if [ "$skipped" -gt 0 ]; then
    echo
    echo "Skipped:"
    skip_lines '(Test|Suite)' | sed 's/^/  /'
fi
echo
echo "swift test: $((passed + failed)) tests run, $skipped skipped"
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then status=1; fi
# CI has every tool installed (.ci/run), so a skipped test there is a test that silently stopped
# running, and the run fails. Only the opt-in heavy runs below may skip (K3S_ALLOW_SKIPS=1
# accepts any skip).
# KUBELET_SCALE=1 turns on the scale runs; the generator's consistency check against the
# reference documents runs where ../shared/reference (the generator's input) is checked out.
opt_in='Hollow pool at scale|aHundredNodesRunAThousandPods|shared/reference'
unexpected=$(skip_lines Test | grep -E -v -c "$opt_in" | tr -d '[:space:]' || true)
if [ -n "${CI:-}" ] && [ "$unexpected" -gt 0 ] && [ "${K3S_ALLOW_SKIPS:-0}" != "1" ]; then
    echo "error: $unexpected tests skipped in CI (listed above); CI runs every test" >&2
    status=1
fi
exit "$status"
