#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox ("pause") image built from the project's own `k3s-pause` program, so a node
/// with no registry can start pods.
///
/// The image holds one file, `/pause`, which is also its entrypoint. Its default name is
/// ``defaultName``; an agent started with `--pause-image` uses that image instead (and then
/// imports nothing of this).
public enum PauseImage {
    /// The name the pause image is imported under by default. The kubelet passes it to CRI as
    /// the sandbox image (containerd's `sandbox_image`).
    public static let defaultName = "docker.io/k3s-swift/pause:1.0"
    /// The executable's file name, as the package builds it.
    public static let binaryName = "k3s-pause"

    /// Finds the `k3s-pause` binary: `explicitPath` when given, otherwise next to the running
    /// executable.
    ///
    /// - Throws: ``PauseImageError/binaryNotFound(_:)`` listing the places looked at.
    public static func locateBinary(explicitPath: String? = nil) throws(PauseImageError) -> String {
        var candidates: [String] = []
        if let explicitPath {
            candidates.append(explicitPath)
        } else if let executable = runningExecutable() {
            let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            candidates.append((directory.isEmpty ? "." : directory) + "/" + binaryName)
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        throw .binaryNotFound(candidates)
    }

    /// Builds the pause image from the binary at `binaryPath`.
    ///
    /// - Throws: ``PauseImageError`` when the binary cannot be read or the name is invalid.
    public static func archive(binaryPath: String, name: String = defaultName) throws(PauseImageError) -> OCIImageArchive {
        let binary: [UInt8]
        do {
            binary = Array(try Data(contentsOf: URL(fileURLWithPath: binaryPath)))
        } catch {
            throw .unreadable(binaryPath, "\(error)")
        }
        do {
            return try OCIImageArchive(
                name: name,
                entries: [.file("pause", binary, mode: 0o755)],
                configuration: ImageConfiguration(entrypoint: ["/pause"], environment: [ImageConfiguration.defaultPath])
            )
        } catch {
            throw .invalidName(error)
        }
    }

    /// Finds the binary (see ``locateBinary(explicitPath:)``) and builds the image.
    public static func archive(explicitBinaryPath: String? = nil, name: String = defaultName) throws(PauseImageError) -> OCIImageArchive {
        try archive(binaryPath: try locateBinary(explicitPath: explicitBinaryPath), name: name)
    }

    /// The path of the running executable (`/proc/self/exe`), or `nil` when it cannot be read.
    static func runningExecutable() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}

/// Why the pause image could not be built.
public enum PauseImageError: Error, Sendable, CustomStringConvertible {
    /// No executable `k3s-pause` at any of the paths looked at.
    case binaryNotFound([String])
    /// The binary exists but cannot be read.
    case unreadable(String, String)
    /// The image name is not a valid reference.
    case invalidName(ImageReferenceError)

    public var description: String {
        switch self {
        case .binaryNotFound(let paths):
            "the pause program \(PauseImage.binaryName) was not found (looked at \(paths.joined(separator: ", "))); build it with the package or pass --pause-image"
        case .unreadable(let path, let reason): "cannot read the pause program \(path): \(reason)"
        case .invalidName(let error): "\(error)"
        }
    }
}
