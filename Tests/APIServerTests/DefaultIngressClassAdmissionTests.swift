@testable import APIServer
import ClusterTesting
import KubeAPI
import KubeClient
import Testing

@Suite("Default IngressClass admission")
struct DefaultIngressClassAdmissionTests {
    static func ingress(_ name: String, className: String? = nil, annotations: [String: String]? = nil) -> NetworkingV1.Ingress {
        NetworkingV1.Ingress(
            metadata: .init(annotations: annotations, name: name, namespace: "default"),
            spec: .init(
                defaultBackend: .init(service: .init(name: "web", port: .init(number: 80))), ingressClassName: className))
    }

    static func ingressClass(_ name: String, isDefault: Bool) -> NetworkingV1.IngressClass {
        NetworkingV1.IngressClass(
            metadata: .init(annotations: isDefault ? ["ingressclass.kubernetes.io/is-default-class": "true"] : nil, name: name),
            spec: .init(controller: "example.com/\(name)"))
    }

    @Test func aNewIngressWithoutAClassGetsTheDefault() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let ingresses = client.resource(NetworkingV1.Ingress.self)
            // No default class yet: nothing is set.
            #expect(try await ingresses.create(Self.ingress("before")).spec?.ingressClassName == nil)
            let classes = client.resource(NetworkingV1.IngressClass.self)
            _ = try await classes.create(Self.ingressClass("other", isDefault: false))
            _ = try await classes.create(Self.ingressClass("k3s", isDefault: true))
            #expect(try await ingresses.create(Self.ingress("plain")).spec?.ingressClassName == "k3s")
            // A chosen class, or the legacy annotation, is kept.
            #expect(try await ingresses.create(Self.ingress("chosen", className: "other")).spec?.ingressClassName == "other")
            let legacy = try await ingresses.create(Self.ingress("legacy", annotations: ["kubernetes.io/ingress.class": "traefik"]))
            #expect(legacy.spec?.ingressClassName == nil)
            // An update never sets it.
            var before = try await ingresses.get("before", namespace: "default")
            before.metadata.labels = ["touched": "yes"]
            #expect(try await ingresses.update(before).spec?.ingressClassName == nil)
        }
    }

    @Test func theNewestOfSeveralDefaultsWins() {
        let classes: [JSONValue] = [
            ["metadata": ["name": "old", "creationTimestamp": "2026-01-01T00:00:00Z", "annotations": ["ingressclass.kubernetes.io/is-default-class": "true"]]],
            ["metadata": ["name": "new", "creationTimestamp": "2026-02-01T00:00:00Z", "annotations": ["ingressclass.kubernetes.io/is-default-class": "true"]]],
            ["metadata": ["name": "newer-but-not-default", "creationTimestamp": "2026-03-01T00:00:00Z"]],
        ]
        #expect(DefaultIngressClassAdmission.defaultClass(in: classes) == "new")
        #expect(DefaultIngressClassAdmission.defaultClass(in: []) == nil)
    }
}
