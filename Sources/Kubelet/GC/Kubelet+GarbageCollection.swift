import ContainerImages
import Logging

extension Kubelet {
    /// Runs container collection every `containerGC.period` and image collection every
    /// `imageGC.period`, on the kubelet's clock, until cancelled.
    func runGarbageCollection() async {
        let settings = configuration.nodeResources
        var nextContainers = clock.elapsed + settings.containerGC.period
        var nextImages = clock.elapsed + settings.imageGC.period
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: min(nextContainers, nextImages))
            } catch {
                return
            }
            let now = clock.elapsed
            if now >= nextContainers {
                await collectContainers()
                nextContainers = now + settings.containerGC.period
            }
            if now >= nextImages {
                await collectImages(reclaimAll: false)
                nextImages = now + settings.imageGC.period
            }
        }
    }

    /// Removes dead containers beyond the policy, then emptied sandboxes of pods that are gone.
    func collectContainers() async {
        do {
            let containers = try await runtime.listContainers()
            let sandboxes = try await runtime.listPodSandbox()
            let active = state.withLock { state in Set(state.pods.filter { !$0.value.gone }.keys) }
            let doomed = ContainerGC.containersToRemove(
                containers, sandboxes: sandboxes, activePods: active, policy: configuration.nodeResources.containerGC, now: clock.wallNanoseconds)
            var removed = Set<String>()
            for id in doomed {
                do {
                    try await runtime.removeContainer(id)
                    removed.insert(id)
                } catch {
                    logger.warning("removing a dead container failed", metadata: ["container": "\(id)", "error": "\(error)"])
                }
            }
            let emptied = ContainerGC.sandboxesToRemove(sandboxes, containers: containers, removedContainers: removed, activePods: active)
            for id in emptied { try? await runtime.removePodSandbox(id) }
            if !removed.isEmpty || !emptied.isEmpty {
                logger.debug("garbage collected containers", metadata: ["containers": "\(removed.count)", "sandboxes": "\(emptied.count)"])
            }
        } catch {
            logger.warning("container garbage collection failed", metadata: ["error": "\(error)"])
        }
    }

    /// Removes least recently used images when the image filesystem passes the high threshold
    /// (down to the low one), or every unused image when `reclaimAll` (disk pressure).
    func collectImages(reclaimAll: Bool) async {
        let settings = configuration.nodeResources
        guard let host = settings.host else { return }
        do {
            let images = try await runtime.listImages()
            let inUse = ImageGC.imagesInUse(images, containers: try await runtime.listContainers())
            let now = clock.elapsed
            let memory = resources.withLock { state in
                state.imageGC.observe(images, inUse: inUse, now: now)
                return state.imageGC
            }
            let pinned = Set(settings.pinnedImages.map { (try? ImageReference(validating: $0).normalized) ?? $0 })
            let doomed: [CRI.Image]
            if reclaimAll {
                doomed = memory.unusedImages(inUse: inUse, pinned: pinned)
            } else {
                let path = settings.imageFilesystemPath ?? settings.rootDirectory
                guard let filesystem = host.filesystemUsage(path) else { return }
                doomed = memory.imagesToRemove(filesystem: filesystem, inUse: inUse, pinned: pinned, policy: settings.imageGC, now: now)
            }
            for image in doomed {
                let reference = image.repoTags.first ?? image.repoDigests.first ?? image.id
                do {
                    try await runtime.removeImage(CRI.ImageSpec(reference))
                    logger.info("removed unused image", metadata: ["image": "\(reference)", "size": "\(image.size)"])
                } catch {
                    logger.warning("removing an image failed", metadata: ["image": "\(reference)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("image garbage collection failed", metadata: ["error": "\(error)"])
        }
    }
}
