#!/usr/bin/env bash
# Installs k3s-swift from this checkout as a service, the way K3s's installer does:
#   1. system packages a node needs (containerd, runc, the CNI plugins, nftables, iproute2,
#      SQLite) and the build tools; the Swift toolchain if `swift` is not on PATH;
#   2. a release build of `k3s` (and its sandbox program `k3s-pause`) in /usr/local/bin;
#   3. k3s-killall.sh and k3s-uninstall.sh (k3s-agent-uninstall.sh for an agent);
#   4. a systemd unit, k3s.service (k3s-agent.service when K3S_URL is set), Type=notify, with
#      the K3S_* variables of this environment in its environment file; enabled and started,
#      then waited for until the node is Ready.
# Without systemd it says so and runs k3s in the foreground.
#
# Settings, as K3s's installer reads them:
#   K3S_URL, K3S_TOKEN, K3S_TOKEN_FILE, K3S_NODE_NAME, K3S_KUBECONFIG_MODE, K3S_CONFIG_FILE, ...
#                           go into the unit's environment file (any K3S_* variable does)
#   INSTALL_K3S_EXEC        the command and flags (`server --disable traefik`, or only flags)
#   INSTALL_K3S_NAME        unit name suffix (k3s-NAME.service)
#   INSTALL_K3S_SKIP_DOWNLOAD=true  no packages, toolchain or build: k3s is already in the bin dir
#   INSTALL_K3S_SKIP_ENABLE=true    do not enable the unit; INSTALL_K3S_SKIP_START=true or
#   K3S_NO_START=1                  do not start it (or, without systemd, do not run k3s)
#   INSTALL_K3S_BIN_DIR (/usr/local/bin), INSTALL_K3S_SYSTEMD_DIR (/etc/systemd/system)
#   INSTALL_K3S_ROOT        install below this prefix instead of / (never starts anything)
# Settings files k3s reads at every start: /etc/rancher/k3s/config.yaml and config.yaml.d/*.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

info() { echo "[INFO]  $*"; }
warn() { echo "[WARN]  $*" >&2; }
fatal() { echo "[ERROR] $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
is_true() { case "${1:-}" in true | 1 | yes) return 0 ;; *) return 1 ;; esac; }

ROOT="${INSTALL_K3S_ROOT:-}"
BIN_DIR="${INSTALL_K3S_BIN_DIR:-/usr/local/bin}"
SYSTEMD_DIR="${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}"
SWIFT_VERSION="${SWIFT_VERSION:-6.3.1}"

# The command: the first word of INSTALL_K3S_EXEC when it is one, else agent when K3S_URL is set.
read -r -a EXEC_ARGS <<< "${INSTALL_K3S_EXEC:-}"
case "${EXEC_ARGS[0]:-}" in
    server | agent) CMD="${EXEC_ARGS[0]}"; EXEC_ARGS=("${EXEC_ARGS[@]:1}") ;;
    *) if [ -n "${K3S_URL:-}" ]; then CMD=agent; else CMD=server; fi ;;
esac
CONFIG_FILE="$ROOT${K3S_CONFIG_FILE:-/etc/rancher/k3s/config.yaml}"
if [ "$CMD" = agent ]; then
    [ -n "${K3S_URL:-}" ] || grep -qs '^server:' "$CONFIG_FILE" || fatal "an agent needs K3S_URL (the server's https://ADDRESS:6443)"
    [ -n "${K3S_TOKEN:-}${K3S_TOKEN_FILE:-}" ] || grep -qs '^token' "$CONFIG_FILE" ||
        fatal "an agent needs K3S_TOKEN or K3S_TOKEN_FILE (the server's /var/lib/rancher/k3s/server/node-token)"
fi
SERVICE="k3s"
[ "$CMD" = agent ] && SERVICE="k3s-agent"
[ -n "${INSTALL_K3S_NAME:-}" ] && SERVICE="k3s-${INSTALL_K3S_NAME}"
UNINSTALL="$SERVICE-uninstall.sh"
[ "$SERVICE" = k3s ] && UNINSTALL="k3s-uninstall.sh"

# 1-2. Packages, toolchain and the build.
if is_true "${INSTALL_K3S_SKIP_DOWNLOAD:-}"; then
    [ -x "$ROOT$BIN_DIR/k3s" ] || fatal "INSTALL_K3S_SKIP_DOWNLOAD is set but $ROOT$BIN_DIR/k3s is missing"
    info "Skipping packages and build: using $ROOT$BIN_DIR/k3s"
else
    info "Installing system packages (containerd, runc, CNI plugins, nftables, iproute2, SQLite, build tools)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        libsqlite3-dev sqlite3 pkg-config binutils git gnupg2 libc6-dev libcurl4-openssl-dev \
        libedit2 libgcc-12-dev libpython3-dev libstdc++-12-dev libxml2-dev libncurses-dev \
        libz3-dev tzdata unzip zlib1g-dev curl ca-certificates \
        containerd runc containernetworking-plugins nftables iproute2 iptables zstd util-linux
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            info "Installing Swift ${SWIFT_VERSION} into /opt/swift"
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
    info "Building k3s (release; the first build takes 10 to 30 minutes)"
    swift build -c release --product k3s --static-swift-stdlib
    swift build -c release --product k3s-pause
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
    as_root mkdir -p "$ROOT$BIN_DIR"
    as_root install -s -m 0755 "$bin/k3s" "$ROOT$BIN_DIR/k3s"
    as_root install -m 0755 "$(swift build -c release --show-bin-path)/k3s-pause" "$ROOT$BIN_DIR/k3s-pause"
    info "Installed $ROOT$BIN_DIR/k3s ($(du -h "$ROOT$BIN_DIR/k3s" | cut -f1)) and $ROOT$BIN_DIR/k3s-pause"
fi

# 3. The killall and uninstall scripts.
as_root mkdir -p "$ROOT$BIN_DIR" "$ROOT$SYSTEMD_DIR"
as_root install -m 0755 scripts/k3s-killall.sh "$ROOT$BIN_DIR/k3s-killall.sh"
sed -e "s|@BIN_DIR@|$BIN_DIR|" -e "s|@SYSTEMD_DIR@|$SYSTEMD_DIR|" -e "s|@SERVICE@|$SERVICE|" scripts/k3s-uninstall.sh |
    as_root tee "$ROOT$BIN_DIR/$UNINSTALL" >/dev/null
as_root chmod 0755 "$ROOT$BIN_DIR/$UNINSTALL"
info "Installed $BIN_DIR/k3s-killall.sh and $BIN_DIR/$UNINSTALL"

# 4. The unit and its environment file: every K3S_* variable given (mode 0600: it may hold the token).
ENV_FILE="$SYSTEMD_DIR/$SERVICE.service.env"
env_lines="$(env | grep -E '^K3S_[A-Z0-9_]*=' | grep -v '^K3S_NO_START=' || true)"
as_root sh -c "umask 077; cat > '$ROOT$ENV_FILE'" <<< "$env_lines"
# One argument for ExecStart: single-quoted, with systemd's `%` and `$` expansions escaped.
quote() {
    local text="${1//\\/\\\\}"
    text="${text//%/%%}"
    text="${text//\$/\$\$}"
    printf "'%s'" "${text//\'/\\\'}"
}
exec_line="$BIN_DIR/k3s \\"$'\n'"    $CMD"
for argument in "${EXEC_ARGS[@]}"; do exec_line+=" \\"$'\n'"    $(quote "$argument")"; done
as_root tee "$ROOT$SYSTEMD_DIR/$SERVICE.service" >/dev/null <<EOF
[Unit]
Description=Lightweight Kubernetes (k3s-swift $CMD)
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=notify
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-$ENV_FILE
# Only k3s is stopped with the unit: containerd's shims and the containers keep running.
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStartPre=-/sbin/modprobe vxlan
ExecStart=$exec_line
EOF
info "Wrote $SYSTEMD_DIR/$SERVICE.service and $ENV_FILE"

skip_start=false
is_true "${INSTALL_K3S_SKIP_START:-}" && skip_start=true
is_true "${K3S_NO_START:-}" && skip_start=true
kubeconfig="${K3S_KUBECONFIG_OUTPUT:-/etc/rancher/k3s/k3s.yaml}"
if [ -n "$ROOT" ]; then
    info "Installed below $ROOT; nothing started"
    exit 0
fi
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null 2>&1; then
    if $skip_start; then
        info "systemd is not running here: installed only; start with: $BIN_DIR/k3s $CMD ${EXEC_ARGS[*]}"
        exit 0
    fi
    warn "systemd is not running here: no service is installed; running k3s $CMD in the foreground (Ctrl-C stops it)"
    exec "$BIN_DIR/k3s" "$CMD" "${EXEC_ARGS[@]}"
fi

as_root systemctl daemon-reload
if ! is_true "${INSTALL_K3S_SKIP_ENABLE:-}"; then
    as_root systemctl enable "$SERVICE" >/dev/null 2>&1
    info "Enabled $SERVICE.service (it starts at boot)"
fi
if $skip_start; then
    info "Not started (K3S_NO_START): systemctl start $SERVICE"
    exit 0
fi
what="the API server"
[ "$CMD" = agent ] && what="its node"
info "Starting $SERVICE.service (it reports ready once $what is up)"
as_root systemctl restart "$SERVICE" || fatal "$SERVICE.service did not start: journalctl -u $SERVICE"
if [ "$CMD" = server ]; then
    if command -v kubectl >/dev/null 2>&1; then
        info "Waiting for the node to be Ready"
        for _ in $(seq 1 120); do
            if as_root "$BIN_DIR/k3s" kubectl get nodes --no-headers 2>/dev/null | grep -q ' Ready'; then break; fi
            printf '.'
            sleep 1
        done
        echo
        as_root "$BIN_DIR/k3s" kubectl get nodes || true
    fi
    info "k3s is running. Kubeconfig: $kubeconfig; try: sudo k3s kubectl get nodes (or kubectl --kubeconfig $kubeconfig get nodes)"
else
    info "k3s agent is running and its node is Ready; see it from the server with: sudo k3s kubectl get nodes"
fi
