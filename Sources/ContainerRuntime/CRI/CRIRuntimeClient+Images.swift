import ContainerImages
import Kubelet

extension CRIRuntimeClient {
    /// Pulls an image (CRI `PullImage`) and returns the runtime's reference to it (containerd: the
    /// image ID). Registries and mirrors are the runtime's configuration (`hosts.toml`).
    public func pullImage(_ image: CRI.ImageSpec) async throws -> String {
        _ = try ImageReference(validating: image.image)
        var request = Runtime_V1_PullImageRequest()
        request.image = Runtime_V1_ImageSpec(image)
        var options = callOptions
        options.timeout = configuration.pullTimeout
        do {
            return try await call("PullImage") { try await imageService.pullImage(request, options: options).imageRef }
        } catch let error as RuntimeError where error.code == .unknown && Self.isMissingImage(error.message) {
            throw RuntimeError(.notFound, error.message)
        }
    }

    /// Whether a pull failed because the registry does not have the image (containerd wraps the
    /// registry's 404 into an unclassified error).
    static func isMissingImage(_ message: String) -> Bool {
        message.contains("not found") || message.contains("manifest unknown") || message.contains("name unknown")
    }

    /// The image if present (CRI `ImageStatus`).
    public func imageStatus(_ image: CRI.ImageSpec) async throws -> CRI.Image? {
        var request = Runtime_V1_ImageStatusRequest()
        request.image = Runtime_V1_ImageSpec(image)
        let response = try await call("ImageStatus") { try await imageService.imageStatus(request, options: callOptions) }
        return response.hasImage ? response.image.cri : nil
    }

    /// Every image on the node (CRI `ListImages`).
    public func listImages() async throws -> [CRI.Image] {
        try await call("ListImages") { try await imageService.listImages(Runtime_V1_ListImagesRequest(), options: callOptions).images.map(\.cri) }
    }

    /// Removes an image (CRI `RemoveImage`); an absent image is removed already.
    public func removeImage(_ image: CRI.ImageSpec) async throws {
        _ = try ImageReference(validating: image.image)
        var request = Runtime_V1_RemoveImageRequest()
        request.image = Runtime_V1_ImageSpec(image)
        try await ignoringNotFound {
            _ = try await call("RemoveImage") { try await imageService.removeImage(request, options: callOptions) }
        }
    }
}
