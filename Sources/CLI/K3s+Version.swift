import APIServer

extension K3s {
    /// `k3s --version`, in K3s's two lines: the version with the short commit, then the
    /// toolchain (K3s names its Go version there), here followed by the full build stamp.
    ///
    ///     k3s version v1.36.2+k3s-swift (1a2b3c4d)
    ///     swift version swift6.3 (commit 1a2b3c4d…, tree clean, built 2026-12-07T18:00:00Z)
    static var versionText: String {
        let info = VersionInfo()
        let commit = BuildStamp.gitCommit.isEmpty ? "unknown" : BuildStamp.gitCommit
        let state = BuildStamp.gitTreeState.isEmpty ? "unknown" : BuildStamp.gitTreeState
        let date = BuildStamp.buildDate.isEmpty ? "unknown" : BuildStamp.buildDate
        return "k3s version \(info.gitVersion) (\(commit.prefix(8)))\n"
            + "swift version \(info.goVersion) (commit \(commit), tree \(state), built \(date))"
    }
}
