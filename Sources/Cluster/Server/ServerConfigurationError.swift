import NetOverlay

/// Why a `k3s server` or `k3s agent` setting was refused: names the flag, the value and the
/// problem (`invalid --FLAG "VALUE": REASON`). The same type as the overlay's flag errors
/// (`--flannel-*`, `--cluster-cidr`, `--service-cidr` are parsed by `OverlayConfiguration`),
/// so one refusal reads alike whichever module found it.
public typealias ServerConfigurationError = OverlayConfigurationError
