#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Imports image archives into containerd, as K3s does at agent start with the files in
/// `DATA_DIR/agent/images/`: OCI image layouts and docker-archive tars (`docker save`), plain or
/// compressed with gzip, zstd, bzip2 or lz4.
///
/// Each archive goes through `ctr -a SOCKET -n NAMESPACE images import -`: containerd reads
/// the tar from standard input (compressed files are streamed through `gzip -dc`, `zstd -dc`,
/// `bzip2 -dc` or `lz4 -dc`, never written out decompressed), stores the content, creates the images named
/// in the archive and unpacks them for the default snapshotter and this machine's platform, so
/// the CRI plugin can create containers from them at once. Only the content of this platform is
/// imported (no `--all-platforms`), so a multi-platform archive holding one platform's blobs
/// imports as a multi-platform pull would. Every file is tried: a bad one is reported with its
/// name and containerd's message, and the others still import.
public struct ImageArchiveImporter: Sendable {
    /// containerd's socket (`/run/k3s/containerd/containerd.sock`).
    public var address: String
    /// The containerd namespace; the CRI plugin's is `k8s.io`.
    public var namespace: String
    /// The `ctr` program.
    public var ctrPath: String
    /// Where results are logged.
    public var logger: Logger

    /// Creates an importer for the containerd listening on `address`.
    public init(address: String, namespace: String = "k8s.io", ctrPath: String = "ctr", logger: Logger) {
        self.address = address
        self.namespace = namespace
        self.ctrPath = ctrPath
        self.logger = logger
    }

    /// The archives in `directory` that K3s would import (see
    /// ``ArchiveCompression/importableSuffixes``), sorted by name; other files are skipped.
    /// A missing directory holds none.
    public static func archives(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted()
            .filter { name in ArchiveCompression.importableSuffixes.contains { name.hasSuffix($0) } }
            .map { directory + "/" + $0 }
            .filter { path in
                var info = stat()
                return stat(path, &info) == 0 && (info.st_mode & mode_t(S_IFMT)) != mode_t(S_IFDIR)
            }
    }

    /// Imports every archive in `directory` (by default `DATA_DIR/agent/images`), one after
    /// the other, and returns one result per file.
    public func importDirectory(_ directory: String) async -> [ImageImportResult] {
        let files = Self.archives(in: directory)
        var results: [ImageImportResult] = []
        for file in files { results.append(await importFile(file)) }
        if !files.isEmpty {
            let failed = results.filter { !$0.succeeded }.count
            logger.info("imported image archives", metadata: [
                "directory": "\(directory)", "files": "\(files.count)", "failed": "\(failed)",
            ])
        }
        return results
    }

    /// Imports one archive file, plain or compressed (told by its first bytes).
    public func importFile(_ path: String) async -> ImageImportResult {
        let start = ContinuousClock.now
        let compression: ArchiveCompression
        switch Self.header(of: path) {
        case .success(let header):
            compression = ArchiveCompression(header: header)
        case .failure(let reason):
            return record(ImageImportResult(source: path, images: [], failure: "cannot read the file: \(reason)", duration: ContinuousClock.now - start))
        }
        let input: CommandPipeline.Input = compression.decompressor(for: path).map { .command($0) } ?? .none
        var command = ctrCommand
        command.append(compression == .none ? path : "-")
        return record(await run(command, input: input, source: path, start: start))
    }

    /// Imports an archive held in memory (the pause image), naming it `source` in the result.
    /// The bytes go through a temporary file, removed afterwards.
    public func importArchive(_ bytes: [UInt8], source: String) async -> ImageImportResult {
        let start = ContinuousClock.now
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-image-\(UUID().uuidString).tar").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        } catch {
            return record(ImageImportResult(source: source, images: [], failure: "cannot write a temporary file: \(error)", duration: ContinuousClock.now - start))
        }
        return record(await run(ctrCommand + [file], input: .none, source: source, start: start))
    }

    /// The first four bytes of the file at `path` (fewer for a shorter file), or why they
    /// cannot be read.
    static func header(of path: String) -> Result<[UInt8], CommandPipelineError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(CommandPipelineError(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failure(CommandPipelineError(String(cString: strerror(errno)))) }
            if n == 0 { break }
            count += n
        }
        return .success(Array(bytes[..<count]))
    }

    /// Builds the pause image (from `k3s-pause` next to the running executable unless
    /// `binaryPath` is given) and imports it under `name`.
    public func importPauseImage(name: String = PauseImage.defaultName, binaryPath: String? = nil) async -> ImageImportResult {
        do {
            let archive = try PauseImage.archive(explicitBinaryPath: binaryPath, name: name)
            return await importArchive(archive.bytes, source: "pause image \(archive.name)")
        } catch {
            return record(ImageImportResult(source: "pause image \(name)", images: [], failure: "\(error)", duration: .zero))
        }
    }

    /// `ctr ... images import` up to the file argument.
    var ctrCommand: [String] {
        [ctrPath, "--address", address, "--namespace", namespace, "images", "import"]
    }

    private func run(_ command: [String], input: CommandPipeline.Input, source: String, start: ContinuousClock.Instant) async -> ImageImportResult {
        let outcome: CommandPipeline.Outcome
        do {
            outcome = try await CommandPipeline.run(command, input: input)
        } catch {
            return ImageImportResult(source: source, images: [], failure: "\(error)", duration: ContinuousClock.now - start)
        }
        let duration = ContinuousClock.now - start
        if let producerStatus = outcome.producerStatus, producerStatus != 0 {
            let message = Self.lastLine(outcome.producerErrorOutput) ?? "exit status \(producerStatus)"
            return ImageImportResult(source: source, images: [], failure: "decompressing failed: \(message)", duration: duration)
        }
        guard outcome.status == 0 else {
            let message = Self.lastLine(outcome.errorOutput) ?? Self.lastLine(outcome.output) ?? "exit status \(outcome.status)"
            let failure = message.hasPrefix("ctr: ") ? message : "ctr: " + message
            return ImageImportResult(source: source, images: [], failure: failure, duration: duration)
        }
        return ImageImportResult(source: source, images: Self.importedNames(outcome.output), failure: nil, duration: duration)
    }

    /// The image names in ctr's import report: one `unpacking NAME (sha256:...)...done` line
    /// per image.
    static func importedNames(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("unpacking ") else { return nil }
            let rest = line.dropFirst("unpacking ".count)
            let end = rest.firstRange(of: " (")?.lowerBound ?? rest.endIndex
            return String(rest[..<end])
        }
    }

    private static func lastLine(_ text: String) -> String? {
        text.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
    }

    @discardableResult
    private func record(_ result: ImageImportResult) -> ImageImportResult {
        let metadata: Logger.Metadata = [
            "source": "\(result.source)", "images": "\(result.images.joined(separator: ","))",
            "milliseconds": "\(result.duration.components.seconds * 1000 + result.duration.components.attoseconds / 1_000_000_000_000_000)",
        ]
        if let failure = result.failure {
            logger.error("image import failed: \(failure)", metadata: metadata)
        } else {
            logger.info("imported image archive", metadata: metadata)
        }
        return result
    }
}
