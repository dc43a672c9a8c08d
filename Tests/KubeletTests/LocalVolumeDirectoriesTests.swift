#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Kubelet

@Suite("Local volume directories")
struct LocalVolumeDirectoriesTests {
    @Test func onlyDirectEntriesOfTheStorageDirectoryCount() {
        let directories = LocalVolumeDirectories(root: "/var/lib/rancher/k3s/storage/")
        #expect(directories.root == "/var/lib/rancher/k3s/storage")
        #expect(directories.contains("/var/lib/rancher/k3s/storage/pvc-1_default_data"))
        for outside in [
            "/var/lib/rancher/k3s/storage", "/var/lib/rancher/k3s/storage/", "/var/lib/rancher/k3s/storage/..",
            "/var/lib/rancher/k3s/storage/.", "/var/lib/rancher/k3s/storage/../agent", "/var/lib/rancher/k3s/storage/a/b",
            "/var/lib/rancher/k3s/storage-other/pvc", "/etc", "relative/pvc",
        ] {
            #expect(!directories.contains(outside), "\(outside)")
        }
    }

    @Test func createsWritableVolumesUnderAPrivateStorageDirectoryAndRemovesThem() async throws {
        try await withVolumeRoot { base in
            let directories = LocalVolumeDirectories(root: base + "/storage")
            let volume = base + "/storage/pvc-1_default_data"
            try directories.create(volume)
            #expect(NodeFiles.mode(base + "/storage") == 0o700)
            #expect(NodeFiles.mode(volume) == 0o777)
            try NodeFiles.write(Array("kept".utf8), to: volume + "/file", mode: 0o644)
            try directories.create(volume)
            #expect(NodeFiles.kind(volume + "/file") == .file, "an existing volume is left as it is")

            // Removal never follows a link out of the volume, nor a linked volume.
            try NodeFiles.makeDirectory(base + "/precious")
            try NodeFiles.write(Array("x".utf8), to: base + "/precious/file", mode: 0o644)
            try NodeFiles.symlink(base + "/precious", at: volume + "/link")
            try directories.remove(volume)
            #expect(NodeFiles.kind(volume, follow: false) == .missing)
            #expect(NodeFiles.kind(base + "/precious/file") == .file)
            let linked = base + "/storage/pvc-2_default_linked"
            try NodeFiles.symlink(base + "/precious", at: linked)
            #expect(throws: PodConfigError.self) { try directories.create(linked) }
            try directories.remove(linked)
            #expect(NodeFiles.kind(linked, follow: false) == .missing)
            #expect(NodeFiles.kind(base + "/precious/file") == .file)
            try directories.remove(linked)

            #expect(throws: PodConfigError.self) { try directories.remove(base + "/precious") }
            #expect(throws: PodConfigError.self) { try directories.create(base + "/storage/../escape") }
            #expect(NodeFiles.kind(base + "/precious") == .directory)
        }
    }
}
