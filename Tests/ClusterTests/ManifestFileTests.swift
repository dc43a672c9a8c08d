import Testing
@testable import Cluster

/// Reading the auto-deploy directory: which files, their Addon names, checksums and objects.
@Suite("Manifest files")
struct ManifestFileTests {
    @Test("files by ending, .skip and --disable; names without the ending; SHA-256 checksums")
    func scanning() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        try directory.write("nested/b.yml", "")
        try directory.write("nested/deeper/c.json", "{}")
        try directory.write("skipped.yaml", "")
        try directory.write("skipped.yaml.skip", "")
        try directory.write("traefik.yaml", "")
        try directory.write("notes.txt", "")
        try directory.write(".hidden.yaml", "")
        let files = ManifestFile.scan(directory.path, disabled: ["traefik"])
        #expect(files.map(\.name) == ["a", "b", "c"])
        #expect(files.map(\.path) == [directory.file("a.yaml"), directory.file("nested/b.yml"), directory.file("nested/deeper/c.json")])
        // sha256 of the empty string.
        #expect(files[1].checksum == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(files[0].checksum.count == 64 && files[0].checksum != files[1].checksum)
        #expect(ManifestFile.scan(directory.file("absent")).isEmpty)
    }

    @Test("documents split at ---, empty ones left out, Lists unpacked, JSON read")
    func objects() throws {
        let yaml = ManifestFile(path: "/m/x.yaml", text: """
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: one
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Secret
              metadata:
                name: two
            - apiVersion: apps/v1
              kind: Deployment
              metadata:
                name: three
            ...
            """)
        let objects = try yaml.objects()
        #expect(objects.map { $0[path: "metadata", "name"]?.stringValue } == ["one", "two", "three"])
        #expect(objects.map { $0["kind"]?.stringValue } == ["ConfigMap", "Secret", "Deployment"])
        let json = ManifestFile(path: "/m/y.json", text: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}"#)
        #expect(try json.objects().count == 1)
    }

    @Test("a malformed document or an object without kind or name is an error naming the file and line")
    func errors() {
        let malformed = ManifestFile(path: "/m/bad.yaml", text: "apiVersion: v1\nkind: ConfigMap\n---\nmetadata:\n  name: [open\n")
        #expect {
            try malformed.objects()
        } throws: { error in
            let error = error as? ManifestError
            return error?.file == "/m/bad.yaml" && error?.reason.hasPrefix("line ") == true
        }
        let nameless = ManifestFile(path: "/m/nameless.yaml", text: "apiVersion: v1\nkind: ConfigMap\n")
        #expect(throws: ManifestError(file: "/m/nameless.yaml", reason: "object 1 needs apiVersion, kind and metadata.name")) {
            try nameless.objects()
        }
    }
}
