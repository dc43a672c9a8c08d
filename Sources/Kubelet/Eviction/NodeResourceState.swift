import KubeAPI

/// What a kubelet remembers between housekeeping rounds: the pressure it reports, the images it
/// last reported and what image garbage collection knows of each image.
struct NodeResourceState: Sendable {
    /// Holds pressure conditions for the transition period.
    var tracker = PressureTracker()
    /// The pressure conditions reported now.
    var pressure = NodePressure.none
    /// The thresholds met in the last round.
    var thresholdsMet: [ThresholdMet] = []
    /// `status.images` as last reported.
    var reportedImages: [CoreV1.ContainerImage]?
    /// First-seen and last-used times of images.
    var imageGC = ImageGC()
}
