import KubeAPI
/// How hollow containers behave, read from pod annotations (see `Docs/Kubelet.md`).
///
/// - `hollow.k3s.io/run: "main=3s:1,sidecar=forever,*=500ms"`: per container (or `*` for every
///   container not named) either `forever` or a run time after which the container exits by
///   itself, with an optional exit code (default 0).
/// - `hollow.k3s.io/stop: "main=5s,*=1s"`: how long a container takes to exit after it is asked to
///   stop (default 0). When that is longer than the stop timeout it is killed (exit code 137).
public struct HollowBehavior: Sendable, Hashable {
    /// The annotation with run times and exit codes.
    public static let runAnnotation = "hollow.k3s.io/run"
    /// The annotation with stop delays.
    public static let stopAnnotation = "hollow.k3s.io/stop"
    /// The key that applies to every container not named explicitly.
    public static let wildcard = "*"

    /// What a container does once started.
    public enum Run: Sendable, Hashable {
        /// Runs until stopped.
        case forever
        /// Exits by itself after `after` with `exitCode`.
        case exits(after: Duration, exitCode: Int)
    }

    /// Run behaviour by container name (`*` for the rest).
    public var run: [String: Run]
    /// Stop delay by container name (`*` for the rest).
    public var stop: [String: Duration]

    /// Creates a behaviour from explicit tables.
    public init(run: [String: Run] = [:], stop: [String: Duration] = [:]) {
        self.run = run
        self.stop = stop
    }

    /// Reads both annotations; absent annotations give empty tables.
    /// - Throws: `RuntimeError(.invalidArgument)` naming the annotation and the bad entry.
    public init(annotations: [String: String]) throws(RuntimeError) {
        self.init()
        if let text = annotations[Self.runAnnotation] {
            for (name, value) in try Self.entries(text, annotation: Self.runAnnotation) {
                run[name] = try Self.parseRun(value, annotation: Self.runAnnotation, container: name)
            }
        }
        if let text = annotations[Self.stopAnnotation] {
            for (name, value) in try Self.entries(text, annotation: Self.stopAnnotation) {
                stop[name] = try Self.duration(value, annotation: Self.stopAnnotation, container: name)
            }
        }
    }

    /// The run behaviour for `container`: its own entry, else the wildcard, else `nil`.
    public func run(for container: String) -> Run? {
        run[container] ?? run[Self.wildcard]
    }

    /// The stop delay for `container`: its own entry, else the wildcard, else zero.
    public func stopDelay(for container: String) -> Duration {
        stop[container] ?? stop[Self.wildcard] ?? .zero
    }

    private static func entries(_ text: String, annotation: String) throws(RuntimeError) -> [(String, String)] {
        var result: [(String, String)] = []
        var seen: Set<String> = []
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = rawEntry.trimmingSpaces()
            if entry.isEmpty { continue }
            guard let equals = entry.firstIndex(of: "=") else {
                throw RuntimeError(.invalidArgument, "annotation \(annotation): entry \"\(entry)\" is not NAME=VALUE")
            }
            let name = entry[..<equals].trimmingSpaces()
            let value = entry[entry.index(after: equals)...].trimmingSpaces()
            guard !name.isEmpty, !value.isEmpty else {
                throw RuntimeError(.invalidArgument, "annotation \(annotation): entry \"\(entry)\" needs a container name and a value")
            }
            guard seen.insert(name).inserted else {
                throw RuntimeError(.invalidArgument, "annotation \(annotation): container \"\(name)\" is listed twice")
            }
            result.append((name, value))
        }
        return result
    }

    private static func parseRun(_ value: String, annotation: String, container: String) throws(RuntimeError) -> Run {
        if value == "forever" { return .forever }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw RuntimeError(.invalidArgument, "annotation \(annotation): container \"\(container)\": \"\(value)\" is not DURATION[:EXITCODE] or forever")
        }
        let duration = try Self.duration(parts[0], annotation: annotation, container: container)
        var exitCode = 0
        if parts.count == 2 {
            guard let code = Int(parts[1]), (0...255).contains(code) else {
                throw RuntimeError(.invalidArgument, "annotation \(annotation): container \"\(container)\": exit code \"\(parts[1])\" is not an integer in 0...255")
            }
            exitCode = code
        }
        return .exits(after: duration, exitCode: exitCode)
    }

    /// A Go duration (`1h30m`, `1.5s`, `250ms`, `0`) that is not negative.
    /// - Throws: `RuntimeError(.invalidArgument)` naming the annotation, the container and the
    ///   problem.
    private static func duration(_ text: some StringProtocol, annotation: String, container: String) throws(RuntimeError) -> Duration {
        let problem: String
        do {
            let duration = try GoDuration(parsing: text)
            if duration.nanoseconds >= 0 { return duration.duration }
            problem = "duration \"\(text)\" is negative"
        } catch {
            problem = error.description
        }
        throw RuntimeError(.invalidArgument, "annotation \(annotation): container \"\(container)\": \(problem)")
    }
}
