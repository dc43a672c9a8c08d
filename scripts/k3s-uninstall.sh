#!/bin/sh
# k3s-uninstall.sh (k3s-agent-uninstall.sh for an agent): stops everything with
# k3s-killall.sh, then removes the service, its settings, the binaries and every piece of data
# k3s kept: the datastore, certificates, images, local-path volumes and kubelet state.
#
# The installer fills in the paths below. Environment: K3S_ROOT (a prefix the installation
# went into; systemd is left alone then), K3S_DATA_DIR, K3S_RUN_DIR, K3S_KUBELET_DIR.
set -u
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"

ROOT="${K3S_ROOT:-}"
BIN_DIR="@BIN_DIR@"
SYSTEMD_DIR="@SYSTEMD_DIR@"
SERVICE="@SERVICE@"
DATA_DIR="${K3S_DATA_DIR:-$ROOT/var/lib/rancher/k3s}"
RUN_DIR="${K3S_RUN_DIR:-/run/k3s}"
KUBELET_DIR="${K3S_KUBELET_DIR:-/var/lib/kubelet}"

K3S_DATA_DIR="$DATA_DIR" K3S_RUN_DIR="$RUN_DIR" K3S_KUBELET_DIR="$KUBELET_DIR" K3S_SYSTEMD_DIR="$ROOT$SYSTEMD_DIR" \
    "$ROOT$BIN_DIR/k3s-killall.sh"

if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable "$SERVICE" >/dev/null 2>&1
    systemctl reset-failed "$SERVICE" >/dev/null 2>&1
fi
rm -f "$ROOT$SYSTEMD_DIR/$SERVICE.service" "$ROOT$SYSTEMD_DIR/$SERVICE.service.env"
[ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl daemon-reload

# Another k3s unit (a server and an agent on one machine) keeps the shared binaries and data.
for other in "$ROOT$SYSTEMD_DIR"/k3s*.service; do
    if [ -e "$other" ]; then
        echo "$(basename "$other") is still installed: keeping the k3s binary and data"
        rm -f "$ROOT$BIN_DIR/$SERVICE-uninstall.sh"
        exit 0
    fi
done

for dir in "$ROOT/etc/rancher/k3s" "$ROOT/etc/rancher/node" "$DATA_DIR" "$KUBELET_DIR" "$RUN_DIR" /var/lib/cni; do
    [ -e "$dir" ] && rm -rf --one-file-system "$dir" 2>/dev/null
    # A directory that is itself a mount point stays; its contents go.
    [ -d "$dir" ] && find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2>/dev/null
done
rmdir "$ROOT/etc/rancher" 2>/dev/null
[ "$DATA_DIR" = "$ROOT/var/lib/rancher/k3s" ] && rmdir "$ROOT/var/lib/rancher" 2>/dev/null
rm -f "$ROOT$BIN_DIR/k3s" "$ROOT$BIN_DIR/k3s-pause" "$ROOT$BIN_DIR/k3s-killall.sh" "$ROOT$BIN_DIR/$SERVICE-uninstall.sh"
echo "k3s is uninstalled"
exit 0
