#!/bin/sh
# k3s-killall.sh: stops k3s and everything it started on this machine, keeping its data.
#
#   - the k3s units (when systemd runs them), the k3s processes, the managed containerd, and
#     every container: each containerd shim of this node with all of its descendants;
#   - mounts below the runtime, data and kubelet directories, and the pods' network namespaces
#     (/run/netns/cni-*);
#   - the interfaces (flannel.1, flannel-v6.1, cni0 and its veths), the overlay's routes (proto
#     75), the nftables tables whose names start with k3s-swift, the cluster DNS addresses on lo;
#   - runtime state: the contents of /run/k3s and /var/lib/cni.
# Data (certificates, the datastore, images, local-path volumes) stays: the uninstall script
# removes it. Processes are matched in this process's mount namespace only, so a node started
# inside its own namespaces (as the end-to-end tests do) is stopped without touching others.
#
# Environment: K3S_DATA_DIR (default /var/lib/rancher/k3s), K3S_RUN_DIR (/run/k3s),
# K3S_KUBELET_DIR (/var/lib/kubelet), K3S_SYSTEMD_DIR (/etc/systemd/system); with K3S_ROOT set
# (an installation into a prefix, as the installer's tests make) systemd is left alone.
set -u
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"

DATA_DIR="${K3S_DATA_DIR:-/var/lib/rancher/k3s}"
RUN_DIR="${K3S_RUN_DIR:-/run/k3s}"
KUBELET_DIR="${K3S_KUBELET_DIR:-/var/lib/kubelet}"
SYSTEMD_DIR="${K3S_SYSTEMD_DIR:-/etc/systemd/system}"
SOCKET="$RUN_DIR/containerd/containerd.sock"
SELF_MNT="$(readlink /proc/self/ns/mnt)"

if [ -z "${K3S_ROOT:-}" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    for unit in "$SYSTEMD_DIR"/k3s*.service; do
        [ -s "$unit" ] && systemctl stop "$(basename "$unit")"
    done
fi

# "PID PPID" for every process.
process_table() {
    for dir in /proc/[0-9]*; do
        stat="$(sed 's/.*) //' "$dir/stat" 2>/dev/null)" || continue
        # shellcheck disable=SC2086
        set -- $stat
        echo "${dir#/proc/} $2"
    done
}

# The PIDs in this mount namespace whose command line contains every argument.
pids_matching() {
    for dir in /proc/[0-9]*; do
        pid="${dir#/proc/}"
        [ "$pid" = "$$" ] && continue
        [ "$(readlink "$dir/ns/mnt" 2>/dev/null)" = "$SELF_MNT" ] || continue
        cmdline="$(tr '\0' ' ' < "$dir/cmdline" 2>/dev/null)" || continue
        matched=1
        for part in "$@"; do
            case "$cmdline" in *"$part"*) ;; *) matched=0 ;; esac
        done
        [ "$matched" = 1 ] && echo "$pid"
    done
}

# The given PIDs and all of their descendants.
with_descendants() {
    [ $# -gt 0 ] || return 0
    process_table | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { parent[$1] = $2; order[NR] = $1 }
        END {
            changed = 1
            while (changed) {
                changed = 0
                for (i = 1; i <= NR; i++) { p = order[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
            }
            for (p in keep) print p
        }'
}

# Sends SIGTERM, waits up to five seconds, then SIGKILL.
stop_pids() {
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=""
        for pid in "$@"; do [ -d "/proc/$pid" ] && alive="$alive $pid"; done
        [ -z "$alive" ] && return 0
        sleep 0.5
    done
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null
}

# k3s itself (a foreground run, or one systemd did not manage), then containerd, then the
# containers with their shims: k3s would restart containerd, and containerd its shims.
if [ "$DATA_DIR" = /var/lib/rancher/k3s ]; then
    k3s_pids="$(pids_matching 'k3s server'; pids_matching 'k3s agent')"
else
    k3s_pids="$(pids_matching 'k3s server' "--data-dir $DATA_DIR"; pids_matching 'k3s agent' "--data-dir $DATA_DIR")"
fi
# shellcheck disable=SC2086
stop_pids $k3s_pids
# shellcheck disable=SC2046
stop_pids $(pids_matching containerd "$DATA_DIR/agent/etc/containerd/config.toml")
shims="$(pids_matching containerd-shim "-address $SOCKET")"
# shellcheck disable=SC2046,SC2086
[ -n "$shims" ] && kill -KILL $(with_descendants $shims) 2>/dev/null

# Mounts strictly below DIR, deepest first.
mounts_below() {
    awk -v dir="$1" '{ gsub(/\\040/, " ", $5); if (index($5, dir "/") == 1) print $5 }' /proc/self/mountinfo | sort -r
}
for dir in "$RUN_DIR" "$DATA_DIR" "$KUBELET_DIR/pods" "$KUBELET_DIR/plugins"; do
    for mountpoint in $(mounts_below "$dir"); do
        umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint" 2>/dev/null
    done
done
if command -v ip >/dev/null 2>&1; then
    for name in $(ip netns list 2>/dev/null | awk '/^cni-/ { print $1 }'); do ip netns delete "$name"; done
    for link in $(ip -o link show master cni0 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
        ip link delete "$link" 2>/dev/null
    done
    for link in flannel.1 flannel-v6.1 cni0; do ip link delete "$link" 2>/dev/null; done
    ip -4 route flush proto 75 2>/dev/null
    ip -6 route flush proto 75 2>/dev/null
    for address in $(ip -4 -o address show dev lo label lo:k3s-dns 2>/dev/null | awk '{ print $4 }'); do
        ip address delete "$address" dev lo
    done
fi
if command -v nft >/dev/null 2>&1; then
    nft list tables 2>/dev/null | while read -r _ family name; do
        case "$name" in k3s-swift*) nft delete table "$family" "$name" ;; esac
    done
fi

# Runtime state only; --one-file-system never follows a mount that survived.
for dir in "$RUN_DIR" /var/lib/cni; do
    [ -d "$dir" ] && find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
done
exit 0
