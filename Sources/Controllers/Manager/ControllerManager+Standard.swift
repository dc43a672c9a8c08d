extension ControllerManager {
    /// Every controller `k3s server` runs, built on `context`.
    public static func standard(context: ControllerContext) -> [any Controller] {
        []
    }
}
