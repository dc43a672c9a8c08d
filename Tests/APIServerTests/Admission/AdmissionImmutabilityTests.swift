import KubeAPI
import Testing
@testable import APIServer

/// Updates that change immutable fields are refused; allowed changes pass.
@Suite struct AdmissionImmutabilityTests {
    func update(_ fixture: AdmissionFixture, _ resource: String, group: String = "", name: String, _ change: @Sendable (inout JSONValue) -> Void) async -> StatusError? {
        do {
            _ = try await fixture.store(resource, group: group).guaranteedUpdate(namespace: "default", name: name) { current in
                var object = try #require(current)
                change(&object)
                return object
            }
            return nil
        } catch let error as StatusError {
            return error
        } catch {
            return .internalError("\(error)")
        }
    }

    @Test func podSpecIsImmutableExceptImages() async throws {
        let fixture = try await AdmissionFixture()
        _ = try await fixture.create("pods", AdmissionFixture.pod("p"))
        let imageChange = await update(fixture, "pods", name: "p") { pod in
            var spec = pod["spec"]!
            spec.withEachElement("containers") { container, _ in container.setMember("image", "nginx:2") }
            pod.setMember("spec", spec)
        }
        #expect(imageChange == nil)
        let toleration = await update(fixture, "pods", name: "p") { pod in
            var spec = pod["spec"]!
            spec.setMember("tolerations", .array(spec.elements("tolerations") + [["key": "k", "operator": "Exists"]]))
            pod.setMember("spec", spec)
        }
        #expect(toleration == nil)
        let forbidden = await update(fixture, "pods", name: "p") { pod in
            var spec = pod["spec"]!
            spec.setMember("restartPolicy", "Never")
            pod.setMember("spec", spec)
        }
        #expect(forbidden?.code == 422)
        #expect(forbidden?.message == #"Pod "p" is invalid: spec: Forbidden: "# + PodStrategy.mutableFieldsMessage)
    }

    @Test func deploymentSelectorIsImmutable() async throws {
        let fixture = try await AdmissionFixture()
        _ = try await fixture.create("deployments", group: "apps", AdmissionFixture.deployment("d"))
        let error = await update(fixture, "deployments", group: "apps", name: "d") { deployment in
            var spec = deployment["spec"]!
            spec.setMember("selector", ["matchLabels": ["app": "d", "tier": "x"]])
            spec.withObject("template") { $0.withObject("metadata") { $0.setMember("labels", ["app": "d", "tier": "x"]) } }
            deployment.setMember("spec", spec)
        }
        #expect(error?.message == #"Deployment.apps "d" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"d","tier":"x"}}: field is immutable"#)
        let scale = await update(fixture, "deployments", group: "apps", name: "d") { deployment in
            var spec = deployment["spec"]!
            spec.setMember("replicas", 4)
            deployment.setMember("spec", spec)
        }
        #expect(scale == nil)
    }

    @Test func statefulSetOnlyAllowsSomeFields() async throws {
        let fixture = try await AdmissionFixture()
        let set: JSONValue = .json(#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"serviceName":"s","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#)
        _ = try await fixture.create("statefulsets", group: "apps", set)
        let replicas = await update(fixture, "statefulsets", group: "apps", name: "s") { object in
            var spec = object["spec"]!
            spec.setMember("replicas", 3)
            object.setMember("spec", spec)
        }
        #expect(replicas == nil)
        let service = await update(fixture, "statefulsets", group: "apps", name: "s") { object in
            var spec = object["spec"]!
            spec.setMember("serviceName", "other")
            object.setMember("spec", spec)
        }
        #expect(service?.message == #"StatefulSet.apps "s" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"#)
    }

    @Test func jobTemplateIsImmutable() async throws {
        let fixture = try await AdmissionFixture()
        let job: JSONValue = .json(#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}"#)
        let stored = try await fixture.create("jobs", group: "batch", job)
        let uid = stored.metadataString("uid")
        #expect(stored[path: "spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"]?.stringValue == uid)
        let error = await update(fixture, "jobs", group: "batch", name: "j") { object in
            var spec = object["spec"]!
            spec.withObject("template") { $0.withObject("spec") { $0.withEachElement("containers") { c, _ in c.setMember("image", "y") } } }
            object.setMember("spec", spec)
        }
        #expect(error?.code == 422)
        #expect(error?.details?.causes.map(\.field) == ["spec.template"])
        #expect(error?.message.hasSuffix(": field is immutable") == true)
    }

    @Test func immutableConfigMapAndSecret() async throws {
        let fixture = try await AdmissionFixture()
        _ = try await fixture.create("configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["a": "1"], "immutable": true])
        let data = await update(fixture, "configmaps", name: "c") { $0.setMember("data", ["a": "2"]) }
        #expect(data?.message == #"ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set"#)
        let flag = await update(fixture, "configmaps", name: "c") { $0.setMember("immutable", false) }
        #expect(flag?.message == #"ConfigMap "c" is invalid: immutable: Forbidden: field is immutable when `immutable` is set"#)
        let labels = await update(fixture, "configmaps", name: "c") { $0.updateMetadata { $0["labels"] = ["x": "y"] } }
        #expect(labels == nil)

        _ = try await fixture.create("secrets", ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["a": "MQ=="]])
        let type = await update(fixture, "secrets", name: "s") { $0.setMember("type", "kubernetes.io/basic-auth") }
        #expect(type?.details?.causes.contains { $0.field == "type" && $0.message.hasSuffix("field is immutable") } == true)
        #expect(type?.message.contains("field is immutable") == true)
    }

    @Test func serviceClusterIPMayNotChange() async throws {
        let fixture = try await AdmissionFixture()
        let created = try await fixture.create("services", AdmissionFixture.service("s"))
        let ip = try #require(created[path: "spec", "clusterIP"]?.stringValue)
        let error = await update(fixture, "services", name: "s") { object in
            var spec = object["spec"]!
            spec.setMember("clusterIP", "10.43.200.200")
            spec.setMember("clusterIPs", ["10.43.200.200"])
            object.setMember("spec", spec)
        }
        #expect(error?.message == #"Service "s" is invalid: spec.clusterIPs[0]: Invalid value: ["10.43.200.200"]: may not change once set"#)
        // Leaving the IP out keeps it (kubectl replace of a manifest without clusterIP).
        let omitted = await update(fixture, "services", name: "s") { object in
            var spec = object["spec"]!
            spec.setMember("clusterIP", nil)
            spec.setMember("clusterIPs", nil)
            spec.setMember("ports", [["port": 8080]])
            object.setMember("spec", spec)
        }
        #expect(omitted == nil)
        let read = try await fixture.store("services").get(namespace: "default", name: "s").value
        #expect(read[path: "spec", "clusterIP"]?.stringValue == ip)
        #expect(read[path: "spec", "ports"]?[0]?["targetPort"] == 8080)
    }

    @Test func pvcSpecIsMostlyImmutable() async throws {
        let fixture = try await AdmissionFixture()
        _ = try await fixture.create("persistentvolumeclaims", .json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#))
        let grow = await update(fixture, "persistentvolumeclaims", name: "c") { object in
            var spec = object["spec"]!
            spec.setMember("resources", ["requests": ["storage": "2Gi"]])
            spec.setMember("volumeName", "pv-1")
            object.setMember("spec", spec)
        }
        #expect(grow == nil)
        let modes = await update(fixture, "persistentvolumeclaims", name: "c") { object in
            var spec = object["spec"]!
            spec.setMember("accessModes", ["ReadWriteMany"])
            object.setMember("spec", spec)
        }
        #expect(modes?.message == #"PersistentVolumeClaim "c" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"#)
    }
}
