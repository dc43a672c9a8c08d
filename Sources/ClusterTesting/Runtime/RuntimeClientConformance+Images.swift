import Kubelet
import Testing

extension RuntimeClientConformance {
    static let imageCases: [(name: String, body: Case)] = [
        ("pullMakesTheImagePresent", pullMakesTheImagePresent),
        ("pullingAMissingImageIsNotFound", pullingAMissingImageIsNotFound),
        ("malformedReferencesAreInvalid", malformedReferencesAreInvalid),
        ("removeImageIsIdempotent", removeImageIsIdempotent),
    ]

    static func pullMakesTheImagePresent(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let spec = CRI.ImageSpec(image)
        try await runtime.removeImage(spec)
        #expect(try await runtime.imageStatus(spec) == nil)
        let reference = try await runtime.pullImage(spec)
        let present = try #require(try await runtime.imageStatus(spec))
        // CRI's `image_ref` names the pulled image by its ID (containerd) or a repository digest.
        #expect(present.id == reference || present.repoDigests.contains(reference), "\(reference) names the image")
        #expect(present.repoTags.contains(image))
        #expect(present.repoDigests.contains { $0.hasPrefix("registry.k8s.io/pause@sha256:") }, "\(present.repoDigests)")
        #expect(!present.id.isEmpty)
        #expect(try await runtime.listImages().contains(present))
        #expect(try await runtime.pullImage(spec) == reference, "pulling again gives the same image")
    }

    static func pullingAMissingImageIsNotFound(_ fixture: Fixture) async throws {
        let spec = CRI.ImageSpec(missingImage)
        await expectError(.notFound, "pulling \(missingImage)") { try await fixture.runtime.pullImage(spec) }
        #expect(try await fixture.runtime.imageStatus(spec) == nil)
    }

    static func malformedReferencesAreInvalid(_ fixture: Fixture) async throws {
        for reference in ["", "Bad Image", "registry.k8s.io/Pause:3.10", "nginx:"] {
            await expectError(.invalidArgument, "pulling \"\(reference)\"") { try await fixture.runtime.pullImage(CRI.ImageSpec(reference)) }
            await expectError(.invalidArgument, "removing \"\(reference)\"") { try await fixture.runtime.removeImage(CRI.ImageSpec(reference)) }
        }
    }

    static func removeImageIsIdempotent(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let spec = CRI.ImageSpec(image)
        _ = try await runtime.pullImage(spec)
        try await runtime.removeImage(spec)
        #expect(try await runtime.imageStatus(spec) == nil)
        #expect(try await !runtime.listImages().contains { $0.repoTags.contains(image) })
        try await runtime.removeImage(spec)
    }
}
