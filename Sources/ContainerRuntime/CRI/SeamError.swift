import Kubelet

/// The seam's `RuntimeError`, named apart from GRPCCore's type of the same name for files that
/// import both modules.
typealias SeamError = RuntimeError
