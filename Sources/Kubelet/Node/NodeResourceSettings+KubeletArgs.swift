import KubeAPI

extension NodeResourceSettings {
    /// The upstream kubelet flags these settings take from K3s's `--kubelet-arg` (without dashes).
    public static let kubeletArgNames: Set<String> = [
        "kube-reserved", "system-reserved", "eviction-hard", "eviction-pressure-transition-period", "max-pods", "root-dir",
        "image-gc-high-threshold", "image-gc-low-threshold", "minimum-image-ttl-duration", "maximum-dead-containers-per-container",
        "maximum-dead-containers", "minimum-container-ttl-duration", "housekeeping-interval", "sync-frequency",
    ]

    /// Applies the kubelet flags among `args` that these settings hold (``kubeletArgNames``);
    /// others are left to whoever reads them. `eviction-hard` replaces the default thresholds
    /// (as upstream does when the flag is given).
    public mutating func apply(kubeletArgs args: [String: String]) throws(NodeSettingError) {
        for (flag, value) in args where Self.kubeletArgNames.contains(flag) {
            func fail(_ reason: String) -> NodeSettingError { NodeSettingError("invalid --kubelet-arg \(flag)=\(value): \(reason)") }
            func integer(_ range: ClosedRange<Int>) throws(NodeSettingError) -> Int {
                guard let number = Int(value.trimmed), range.contains(number) else {
                    throw fail("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
            func duration() throws(NodeSettingError) -> Duration {
                guard let parsed = try? GoDuration(parsing: value.trimmed), parsed.nanoseconds >= 0 else {
                    throw fail("expected a duration such as 2m or 10s")
                }
                return parsed.duration
            }
            switch flag {
            case "kube-reserved", "system-reserved":
                let list: [String: Quantity]
                do { list = try Self.parseResourceList(value) } catch { throw fail("\(error)") }
                if flag == "kube-reserved" { kubeReserved = list } else { systemReserved = list }
            case "eviction-hard":
                do {
                    let map = try EvictionThreshold.parseFlag(value)
                    _ = try EvictionThreshold.parse(map)
                    evictionHard = map
                } catch {
                    throw fail(error.description)
                }
            case "eviction-pressure-transition-period": evictionPressureTransitionPeriod = try duration()
            case "housekeeping-interval": housekeepingInterval = try duration()
            case "sync-frequency":
                syncFrequency = try duration()
                if syncFrequency < .seconds(1) { throw fail("must be at least 1s") }
            case "max-pods": maxPods = try integer(1...100_000)
            case "root-dir":
                guard value.hasPrefix("/") else { throw fail("expected an absolute path") }
                rootDirectory = value
            case "image-gc-high-threshold": imageGC.highThresholdPercent = try integer(0...100)
            case "image-gc-low-threshold": imageGC.lowThresholdPercent = try integer(0...100)
            case "minimum-image-ttl-duration": imageGC.minAge = try duration()
            case "maximum-dead-containers-per-container": containerGC.maxPerPodContainer = try integer(-1...1_000_000)
            case "maximum-dead-containers": containerGC.maxContainers = try integer(-1...1_000_000)
            case "minimum-container-ttl-duration": containerGC.minAge = try duration()
            default: break
            }
        }
        if imageGC.lowThresholdPercent > imageGC.highThresholdPercent {
            throw NodeSettingError(
                "invalid --kubelet-arg image-gc-low-threshold=\(imageGC.lowThresholdPercent): "
                    + "must not be above image-gc-high-threshold (\(imageGC.highThresholdPercent))")
        }
    }
}
