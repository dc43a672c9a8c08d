import Crypto
import FoundationEssentials

/// Writes a one-layer OCI image layout (a directory skopeo copies into a registry) whose layer
/// holds the host's static busybox and its applet links: enough for a pause image (a shell that
/// waits for `SIGTERM`) and a busybox image. Test scaffolding until the project's own image
/// builder (ContainerImages) is used here.
struct TestImageLayout {
    /// The image's entrypoint and command.
    var entrypoint: [String]
    var command: [String]

    /// The pause image: runs until `SIGTERM` (exits 0 at once), like the real pause.
    static let pause = TestImageLayout(
        entrypoint: ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait; done"], command: [])
    /// A busybox image whose default command is a shell.
    static let busybox = TestImageLayout(entrypoint: [], command: ["sh"])

    /// The applets linked to busybox in `/bin`.
    static let applets = ["sh", "sleep", "echo", "cat", "ls", "printf", "true", "false", "id", "env", "kill", "ps", "wc", "head", "touch", "mkdir", "rm"]

    /// Writes the layout into `directory` under `tag` (skopeo: `oci:DIRECTORY:TAG`).
    func write(to directory: String, tag: String, busybox: String = "/bin/busybox") throws {
        let fileManager = FileManager.default
        let blobs = "\(directory)/blobs/sha256"
        try fileManager.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        guard let binary = fileManager.contents(atPath: busybox) else { throw HostTools.Failure(description: "cannot read \(busybox)") }

        var tar = TarWriter()
        tar.directory("bin/")
        tar.file("bin/busybox", contents: Array(binary), mode: 0o755)
        for applet in Self.applets { tar.symlink("bin/\(applet)", target: "busybox") }
        tar.directory("tmp/", mode: 0o1777)
        tar.directory("etc/")
        tar.file("etc/passwd", contents: Array("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".utf8), mode: 0o644)
        tar.file("etc/group", contents: Array("root:x:0:\nnobody:x:65534:\n".utf8), mode: 0o644)
        let layer = tar.finish()
        let layerDigest = try writeBlob(layer, into: blobs)

        let config = """
            {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Entrypoint":\(json(entrypoint)),"Cmd":\(json(command)),"WorkingDir":"/"},\
            "rootfs":{"type":"layers","diff_ids":["sha256:\(layerDigest)"]}}
            """
        let configDigest = try writeBlob(Array(config.utf8), into: blobs)
        let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\(configDigest)","size":\(config.utf8.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:\(layerDigest)","size":\(layer.count)}]}
            """
        let manifestDigest = try writeBlob(Array(manifest.utf8), into: blobs)
        let index = """
            {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\(manifestDigest)",\
            "size":\(manifest.utf8.count),"annotations":{"org.opencontainers.image.ref.name":"\(tag)"}}]}
            """
        try Data(index.utf8).write(to: URL(filePath: "\(directory)/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(filePath: "\(directory)/oci-layout"))
    }

    private func writeBlob(_ bytes: [UInt8], into blobs: String) throws -> String {
        let digest = SHA256.hash(data: bytes).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        try Data(bytes).write(to: URL(filePath: "\(blobs)/\(digest)"))
        return digest
    }

    private func json(_ strings: [String]) -> String {
        "[" + strings.map { "\"" + $0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\"" }.joined(separator: ",") + "]"
    }
}

/// A minimal ustar writer for image layers.
struct TarWriter {
    private var bytes: [UInt8] = []

    mutating func directory(_ name: String, mode: Int = 0o755) { entry(name, type: "5", mode: mode, contents: []) }
    mutating func file(_ name: String, contents: [UInt8], mode: Int) { entry(name, type: "0", mode: mode, contents: contents) }
    mutating func symlink(_ name: String, target: String) { entry(name, type: "2", mode: 0o777, contents: [], link: target) }

    /// The archive, with its two closing zero blocks.
    mutating func finish() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 1024)
    }

    private mutating func entry(_ name: String, type: Character, mode: Int, contents: [UInt8], link: String = "") {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            put(String(value, radix: 8).leftPadded(to: width - 1, with: "0"), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(mode, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(contents.count, at: 124, width: 12)
        octal(1_700_000_000, at: 136, width: 12)
        put("        ", at: 148, width: 8)
        header[156] = UInt8(ascii: type.unicodeScalars.first!)
        put(link, at: 157, width: 100)
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(String(checksum, radix: 8).leftPadded(to: 6, with: "0"), at: 148, width: 6)
        header[154] = 0
        header[155] = UInt8(ascii: " ")
        bytes += header
        bytes += contents
        bytes += [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
    }
}

extension String {
    /// The string with `pad` in front until it is `width` long.
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
