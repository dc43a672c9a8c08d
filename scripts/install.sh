#!/usr/bin/env bash
# Installs k3s-swift on a fresh Debian 12 machine and starts `k3s server`:
#   1. system packages (SQLite, build tools, and what a node runs: containerd, runc, the CNI
#      plugins, iptables),
#   2. the Swift toolchain, if `swift` is not already on PATH,
#   3. a release build of `k3s`, installed to /usr/local/bin,
#   4. `k3s server` in the foreground (stop it with Ctrl-C or SIGTERM).
# Set K3S_NO_START=1 to install without starting.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

SWIFT_VERSION="${SWIFT_VERSION:-6.3.1}"

as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    libsqlite3-dev pkg-config binutils git gnupg2 libc6-dev libcurl4-openssl-dev \
    libedit2 libgcc-12-dev libpython3-dev libstdc++-12-dev libxml2-dev libncurses-dev \
    libz3-dev tzdata unzip zlib1g-dev curl ca-certificates \
    containerd runc containernetworking-plugins iptables zstd

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    else
        echo "installing Swift ${SWIFT_VERSION} into /opt/swift"
        tarball="swift-${SWIFT_VERSION}-RELEASE-debian12.tar.gz"
        url="https://download.swift.org/swift-${SWIFT_VERSION}-release/debian12/swift-${SWIFT_VERSION}-RELEASE/${tarball}"
        tmp="$(mktemp -d)"
        curl -fsSL "$url" -o "$tmp/$tarball"
        as_root mkdir -p /opt/swift
        as_root tar -xzf "$tmp/$tarball" -C /opt/swift --strip-components=1
        rm -rf "$tmp"
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
fi

# The Swift runtime is linked in (the binary needs only libc, libstdc++ and libsqlite3) and
# the symbols are stripped on install. The build stamps the binary with the git commit, tree
# state and build date (`/version`, `k3s --version`; see scripts/build-stamp.sh): from a
# source tree without git, set K3S_GIT_COMMIT and K3S_GIT_TREE_STATE.
# k3s-pause is the node's built-in sandbox image (a static 1.3 kB program): it goes next to k3s.
swift build -c release --product k3s --static-swift-stdlib
swift build -c release --product k3s-pause
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
as_root install -s -m 0755 "$bin/k3s" /usr/local/bin/k3s
as_root install -m 0755 "$(swift build -c release --show-bin-path)/k3s-pause" /usr/local/bin/k3s-pause
echo "installed /usr/local/bin/k3s ($(du -h /usr/local/bin/k3s | cut -f1)) and /usr/local/bin/k3s-pause"

if [ "${K3S_NO_START:-0}" != "1" ]; then
    if [ "$(id -u)" -eq 0 ]; then exec /usr/local/bin/k3s server "$@"; fi
    exec sudo /usr/local/bin/k3s server "$@"
fi
