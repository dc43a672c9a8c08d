import ClusterTesting
import Datastore
import KubeAPI
import Testing
@testable import APIServer

/// Custom resources served from a CRD: establishment, discovery, OpenAPI, CRUD with schema
/// validation, pruning, defaulting, status and scale subresources, Tables, deletion, restart.
@Suite struct CustomResourceServingTests {
    typealias F = CustomResourceFixture

    @Test func establishedWithConditionsNamesAndStoredVersions() async throws {
        let f = try await F()
        defer { f.stop() }
        _ = try await f.establish(F.cronTabCRD())
        let crd = await f.send(.get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com").json
        let conditions = crd[path: "status", "conditions"]?.arrayValue ?? []
        let byType = Dictionary(uniqueKeysWithValues: conditions.map { ($0["type"]?.stringValue ?? "", $0) })
        #expect(byType["NamesAccepted"]?["status"] == "True")
        #expect(byType["NamesAccepted"]?["reason"] == "NoConflicts")
        #expect(byType["Established"]?["reason"] == "InitialNamesAccepted")
        #expect(crd[path: "status", "acceptedNames", "kind"] == "CronTab")
        #expect(crd[path: "status", "acceptedNames", "listKind"] == "CronTabList")
        #expect(crd[path: "status", "storedVersions"] == ["v1"])
        #expect(crd[path: "spec", "conversion", "strategy"] == "None")
    }

    @Test func discoveryAndOpenAPIWithinADeadline() async throws {
        let f = try await F()
        defer { f.stop() }
        let created = await f.send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: F.cronTabCRD())
        #expect(created.status == 201)
        let discovery = DiscoveryHandler(catalog: f.discovery)
        try await eventually("crontabs listed in discovery") {
            let response = await discovery.handle(APIRequest(method: .get, path: "/apis/stable.example.com/v1"))
            guard case .bytes(let bytes) = response.body, response.status.code == 200 else { return false }
            return ((try? JSONValue(parsing: bytes))?["resources"]?.arrayValue ?? []).contains { $0["name"] == "crontabs" }
        }
        let response = await discovery.handle(APIRequest(method: .get, path: "/apis/stable.example.com/v1"))
        guard case .bytes(let bytes) = response.body else { Issue.record("no body"); return }
        let resources = try JSONValue(parsing: bytes)["resources"]?.arrayValue ?? []
        let main = try #require(resources.first { $0["name"] == "crontabs" })
        #expect(main["shortNames"] == ["ct"])
        #expect(main["categories"] == ["all"])
        #expect(main["singularName"] == "crontab")
        #expect(main["namespaced"] == true)
        #expect(main["kind"] == "CronTab")
        #expect(main["verbs"]?.arrayValue?.contains("create") == true)
        #expect(resources.contains { $0["name"] == "crontabs/status" })
        #expect(resources.contains { $0["name"] == "crontabs/scale" && $0["kind"] == "Scale" && $0["group"] == "autoscaling" })

        let aggregated = await discovery.handle(APIRequest(
            method: .get, path: "/apis",
            headers: [.accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"]))
        guard case .bytes(let aggregatedBytes) = aggregated.body else { Issue.record("no body"); return }
        let groups = try JSONValue(parsing: aggregatedBytes)["items"]?.arrayValue ?? []
        let group = try #require(groups.first { $0[path: "metadata", "name"] == "stable.example.com" })
        let version = try #require(group["versions"]?.arrayValue?.first)
        #expect(version["version"] == "v1")
        let entry = try #require(version["resources"]?.arrayValue?.first { $0["resource"] == "crontabs" })
        #expect(entry["shortNames"] == ["ct"])
        #expect(entry["singularResource"] == "crontab")
        #expect(entry["scope"] == "Namespaced")
        #expect(entry[path: "responseKind", "kind"] == "CronTab")
        let subresources = (entry["subresources"]?.arrayValue ?? []).compactMap { $0["subresource"]?.stringValue }
        #expect(subresources == ["scale", "status"])

        let document = try #require(f.openAPI.v3Document(path: "apis/stable.example.com/v1"))
        let schemas = try JSONValue(parsing: document.bytes)[path: "components", "schemas"]
        let cronTab = try #require(schemas?["com.example.stable.v1.CronTab"])
        #expect(cronTab[path: "properties", "spec", "properties", "replicas", "type"] == "integer")
        #expect(String(decoding: f.openAPI.v2Document(), as: UTF8.self).contains("com.example.stable.v1.CronTab"))
    }

    @Test func createGetListWithDefaultsAndPruning() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        let body = F.cronTab("a", spec: ["cronSpec": "*/5 * * * *", "bogus": 1, "extra": ["free": ["x": 1]]])
        let created = await f.send(.post, F.cronTabs, body: body)
        #expect(created.status == 201, "\(created.text)")
        let object = created.json
        #expect(object[path: "spec", "image"] == "busybox")
        #expect(object[path: "spec", "replicas"] == 1)
        #expect(object[path: "spec", "bogus"] == nil)
        #expect(object[path: "spec", "extra", "free", "x"] == 1)
        #expect(object[path: "metadata", "generation"] == 1)
        #expect(created.headers[values: .init("Warning")!] == [#"299 - "unknown field \"spec.bogus\"""#])
        let got = await f.send(.get, F.cronTabs + "/a")
        #expect(got.json[path: "spec", "bogus"] == nil)
        let list = await f.send(.get, "/apis/stable.example.com/v1/crontabs")
        #expect(list.json["kind"] == "CronTabList")
        #expect(list.json["items"]?.arrayValue?.count == 1)
    }

    @Test func invalidObjectIsRefusedWithUpstreamMessages() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        let bad = await f.send(.post, F.cronTabs, body: F.cronTab("bad", spec: ["cronSpec": "* * * * *", "replicas": "many", "mode": "turbo"]))
        #expect(bad.status == 422)
        #expect(bad.message == #"CronTab.stable.example.com "bad" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", spec.mode: Unsupported value: "turbo": supported values: "fast", "slow"]"#)
        let causes = bad.json[path: "details", "causes"]?.arrayValue ?? []
        #expect(causes.first?["field"] == "spec.replicas")
        let missing = await f.send(.post, F.cronTabs, body: F.cronTab("missing", spec: ["image": "x"]))
        #expect(missing.message == #"CronTab.stable.example.com "missing" is invalid: spec.cronSpec: Required value"#)
        let tooMany = await f.send(.post, F.cronTabs, body: F.cronTab("big", spec: ["cronSpec": "* * * * *", "replicas": 11]))
        #expect(tooMany.message.contains("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"))
    }

    @Test func statusSubresourceAndGeneration() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        var body = F.cronTab("s")
        body.setMember("status", ["phase": "Ignored"])
        let created = await f.send(.post, F.cronTabs, body: body)
        #expect(created.json["status"] == nil)
        // The main endpoint ignores status.
        var update = created.json
        update.setMember("status", ["phase": "Nope"])
        let updated = await f.send(.put, F.cronTabs + "/s", body: update)
        #expect(updated.status == 200)
        #expect(updated.json["status"] == nil)
        #expect(updated.json[path: "metadata", "generation"] == 1)
        // The status endpoint writes only status; generation stays.
        var statusBody = updated.json
        statusBody.setMember("status", ["phase": "Running", "replicas": 2])
        statusBody.setMember("spec", ["cronSpec": "1 * * * *"])
        let status = await f.send(.put, F.cronTabs + "/s/status", body: statusBody)
        #expect(status.status == 200, "\(status.text)")
        #expect(status.json[path: "status", "phase"] == "Running")
        #expect(status.json[path: "spec", "cronSpec"] == "* * * * */5")
        #expect(status.json[path: "metadata", "generation"] == 1)
        // A spec change bumps generation.
        let patched = await f.send(.patch, F.cronTabs + "/s", body: ["spec": ["image": "alpine"]], contentType: "application/merge-patch+json")
        #expect(patched.json[path: "metadata", "generation"] == 2)
        #expect(patched.json[path: "status", "phase"] == "Running")
        // Status is validated against the schema too.
        let badStatus = await f.send(.patch, F.cronTabs + "/s/status", body: ["status": ["replicas": "two"]], contentType: "application/merge-patch+json")
        #expect(badStatus.status == 422)
        #expect(badStatus.message.contains(#"status.replicas: Invalid value: "string": status.replicas in body must be of type integer: "string""#))
    }

    @Test func scaleSubresourceFollowsTheCRDPaths() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        _ = await f.send(.post, F.cronTabs, body: F.cronTab("sc", spec: ["cronSpec": "* * * * *", "replicas": 2]))
        _ = await f.send(.patch, F.cronTabs + "/sc/status", body: ["status": ["replicas": 2, "selector": "app=sc"]], contentType: "application/merge-patch+json")
        let scale = await f.send(.get, F.cronTabs + "/sc/scale")
        #expect(scale.json["kind"] == "Scale")
        #expect(scale.json["apiVersion"] == "autoscaling/v1")
        #expect(scale.json[path: "spec", "replicas"] == 2)
        #expect(scale.json[path: "status", "replicas"] == 2)
        #expect(scale.json[path: "status", "selector"] == "app=sc")
        let patched = await f.send(.patch, F.cronTabs + "/sc/scale", body: ["spec": ["replicas": 5]], contentType: "application/merge-patch+json")
        #expect(patched.status == 200, "\(patched.text)")
        #expect(patched.json[path: "spec", "replicas"] == 5)
        #expect(await f.send(.get, F.cronTabs + "/sc").json[path: "spec", "replicas"] == 5)
        // The schema's maximum applies to scale writes.
        let tooBig = await f.send(.patch, F.cronTabs + "/sc/scale", body: ["spec": ["replicas": 50]], contentType: "application/merge-patch+json")
        #expect(tooBig.status == 422)
    }

    @Test func tablesUsePrinterColumns() async throws {
        let f = try await F(printer: TablePrinter(now: { 1_700_000_100 }))
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        _ = await f.send(.post, F.cronTabs, body: F.cronTab("t", spec: ["cronSpec": "* * * * *", "replicas": 3]))
        let table = await f.send(.get, F.cronTabs, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(table.json["kind"] == "Table")
        let names = (table.json["columnDefinitions"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names == ["Name", "Spec", "Replicas", "Age"])
        let cells = table.json["rows"]?[0]?["cells"]?.arrayValue ?? []
        #expect(cells.prefix(3) == ["t", "* * * * *", 3])
    }

    @Test func tablesWithoutColumnsShowAge() async throws {
        let f = try await F()
        defer { f.stop() }
        var crd = F.cronTabCRD(scope: "Cluster")
        crd = CustomResourceDefinitionValidationTests.setting(crd, ["spec", "versions", "0", "additionalPrinterColumns"], nil)
        try await f.establish(crd)
        let created = await f.send(.post, "/apis/stable.example.com/v1/crontabs", body: F.cronTab("c"))
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json[path: "metadata", "namespace"] == nil)
        let table = await f.send(.get, "/apis/stable.example.com/v1/crontabs", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        let names = (table.json["columnDefinitions"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names == ["Name", "Age"])
        #expect(await f.send(.get, "/apis/stable.example.com/v1/namespaces/default/crontabs").status == 404)
    }

    @Test func deletingTheCRDDeletesItsObjectsAndUnserves() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        for name in ["d1", "d2"] { _ = await f.send(.post, F.cronTabs, body: F.cronTab(name)) }
        _ = await f.send(.post, "/apis/stable.example.com/v1/namespaces/other/crontabs", body: F.cronTab("d3"))
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com"
        let deleted = await f.send(.delete, path)
        #expect(deleted.status == 200)
        let finalizers = deleted.json[path: "metadata", "finalizers"]?.arrayValue ?? []
        #expect(finalizers.contains("customresourcecleanup.apiextensions.k8s.io"))
        try await eventually("the CRD gone") { await f.send(.get, path).status == 404 }
        #expect(await f.send(.get, F.cronTabs).status == 404)
        #expect(f.discovery.descriptor(group: "stable.example.com", version: "v1", resource: "crontabs") == nil)
        #expect(f.openAPI.v3Document(path: "apis/stable.example.com/v1") == nil)
        let left = try await f.datastore.list(prefix: f.datastore.keyPrefix + "stable.example.com/crontabs/", revision: nil, limit: nil, continueToken: nil)
        #expect(left.items.isEmpty)
    }

    @Test func restartServesStoredDefinitions() async throws {
        let datastore = InMemoryDatastore(compaction: .disabled)
        do {
            let first = try await F(datastore: datastore)
            try await first.establish(F.cronTabCRD())
            _ = await first.send(.post, F.cronTabs, body: F.cronTab("keep"))
            first.stop()
        }
        let second = try await F(datastore: datastore)
        defer { second.stop() }
        // Served as soon as the fixture is up (loadStored ran before it returned).
        let got = await second.send(.get, F.cronTabs + "/keep")
        #expect(got.status == 200, "\(got.text)")
        #expect(second.discovery.descriptor(group: "stable.example.com", version: "v1", resource: "crontabs") != nil)
        let invalid = await second.send(.post, F.cronTabs, body: F.cronTab("x", spec: ["image": "y"]))
        #expect(invalid.status == 422)
    }

    @Test func updatingTheSchemaTakesEffect() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com"
        var crd = await f.send(.get, path).json
        crd = CustomResourceDefinitionValidationTests.setting(crd, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "replicas", "maximum"], 100)
        #expect(await f.send(.put, path, body: crd).status == 200)
        try await eventually("the new maximum accepted") {
            await f.send(.post, F.cronTabs, query: [("dryRun", "All")], body: F.cronTab("u", spec: ["cronSpec": "* * * * *", "replicas": 50])).status == 201
        }
    }
}

extension CustomResourceServingTests {
    @Test func terminatingDefinitionRefusesNewObjects() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        let versions = f.catalog.resources(definitionName: "crontabs.stable.example.com").map { version -> ServedCustomResource in
            var version = version
            version.terminating = true
            return version
        }
        f.catalog.replace(definitionName: "crontabs.stable.example.com", with: versions)
        let refused = await f.send(.post, F.cronTabs, body: F.cronTab("late"))
        #expect(refused.status == 405)
        #expect(refused.message == "create not allowed while custom resource definition is terminating")
    }

    @Test func everyServedVersionIsServed() async throws {
        let f = try await F()
        defer { f.stop() }
        var crd = F.cronTabCRD()
        let v1 = crd[path: "spec", "versions", "0"]!
        var beta = v1
        beta.setMember("name", "v1beta1")
        beta.setMember("storage", false)
        var retired = v1
        retired.setMember("name", "v1alpha1")
        retired.setMember("storage", false)
        retired.setMember("served", false)
        crd = CustomResourceDefinitionValidationTests.setting(crd, ["spec", "versions"], [beta, v1, retired])
        try await f.establish(crd)
        var object = F.cronTab("b")
        object.setMember("apiVersion", "stable.example.com/v1beta1")
        let created = await f.send(.post, "/apis/stable.example.com/v1beta1/namespaces/default/crontabs", body: object)
        #expect(created.status == 201, "\(created.text)")
        #expect(await f.send(.get, F.cronTabs + "/b").status == 200)
        #expect(await f.send(.get, "/apis/stable.example.com/v1alpha1/namespaces/default/crontabs/b").status == 404)
        let groupDocument = await DiscoveryHandler(catalog: f.discovery).handle(APIRequest(method: .get, path: "/apis/stable.example.com"))
        guard case .bytes(let bytes) = groupDocument.body else { Issue.record("no body"); return }
        #expect(try JSONValue(parsing: bytes)[path: "preferredVersion", "version"] == "v1")
        let crdNow = await f.send(.get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com").json
        #expect(crdNow[path: "status", "storedVersions"] == ["v1"])
    }
}

extension CustomResourceServingTests {
    @Test func conflictingNamesAreNotAccepted() async throws {
        let f = try await F()
        defer { f.stop() }
        try await f.establish(F.cronTabCRD())
        var clash = F.cronTabCRD()
        clash = CustomResourceDefinitionValidationTests.setting(clash, ["metadata", "name"], "crontabsv2.stable.example.com")
        clash = CustomResourceDefinitionValidationTests.setting(clash, ["spec", "names"], ["plural": "crontabsv2", "singular": "crontabv2", "kind": "CronTabV2", "shortNames": ["ct"]])
        #expect(await f.send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: clash).status == 201)
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabsv2.stable.example.com"
        try await eventually("NamesAccepted=False") {
            let conditions = await f.send(.get, path).json[path: "status", "conditions"]?.arrayValue ?? []
            return conditions.contains { $0["type"] == "NamesAccepted" && $0["status"] == "False" }
        }
        let conditions = await f.send(.get, path).json[path: "status", "conditions"]?.arrayValue ?? []
        let names = try #require(conditions.first { $0["type"] == "NamesAccepted" })
        #expect(names["reason"] == "ShortNamesConflict")
        #expect(names["message"] == #""ct" is already in use"#)
        let established = try #require(conditions.first { $0["type"] == "Established" })
        #expect(established["status"] == "False")
        #expect(established["reason"] == "NotAccepted")
        #expect(await f.send(.get, "/apis/stable.example.com/v1/namespaces/default/crontabsv2").status == 404)
    }
}
