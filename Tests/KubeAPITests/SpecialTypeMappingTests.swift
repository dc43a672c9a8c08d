import Foundation
import Testing
import KubeAPI

/// Fields whose schema maps to the hand-written core types decode into them.
@Suite struct SpecialTypeMappingTests {
    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    @Test func quantitiesAndIntOrString() throws {
        let pod = try decode(CoreV1.Pod.self, #"""
            {"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"100m","memory":"1Gi"}},
             "ports":[{"containerPort":8080}],"livenessProbe":{"httpGet":{"port":"http","path":"/"}}}]}}
            """#)
        let container = try #require(pod.spec?.containers?.first)
        #expect(container.resources?.limits?["cpu"] == Quantity("100m"))
        #expect(container.resources?.limits?["memory"] == Quantity("1Gi"))
        #expect(container.ports?.first?.containerPort == 8080)
        #expect(container.livenessProbe?.httpGet?.port == .string("http"))
        let service = try decode(CoreV1.Service.self, #"{"spec":{"ports":[{"port":80,"targetPort":8080}]}}"#)
        #expect(service.spec?.ports?.first?.targetPort == .int(8080))
    }

    @Test func timesAndMicroTimes() throws {
        let lease = try decode(CoordinationV1.Lease.self, #"""
            {"metadata":{"name":"l","creationTimestamp":"2024-01-02T03:04:05Z"},
             "spec":{"renewTime":"2024-01-02T03:04:05.123456Z","leaseDurationSeconds":15}}
            """#)
        #expect(lease.metadata.creationTimestamp == Time("2024-01-02T03:04:05Z"))
        #expect(lease.spec?.renewTime == MicroTime("2024-01-02T03:04:05.123456Z"))
        #expect(lease.spec?.leaseDurationSeconds == 15)
    }

    @Test func rawExtensionsAreJSONValues() throws {
        let revision = try decode(AppsV1.ControllerRevision.self, #"{"revision":2,"data":{"spec":{"replicas":1},"list":[true,null]}}"#)
        #expect(revision.revision == 2)
        #expect(revision.data == .object(["spec": .object(["replicas": .int(1)]), "list": .array([.bool(true), .null])]))
    }

    @Test func indirectHasValueSemantics() {
        var a = ApiextensionsV1.JSONSchemaProps(not: ApiextensionsV1.JSONSchemaProps(type: "string"))
        let b = a
        a.not?.type = "integer"
        #expect(a.not?.type == "integer")
        #expect(b.not?.type == "string")
        #expect(a != b)
        a.not = nil
        #expect(a == ApiextensionsV1.JSONSchemaProps())
    }
}
