import APIServer
import Testing

@Suite("Accept header media ranges")
struct MediaRangeTests {
    @Test func parsesTypeAndParameters() {
        let ranges = MediaRange.ranges(of: " Application/JSON ; AS=Table; g=meta.k8s.io ;v=v1 , application/json")
        #expect(ranges.count == 2)
        #expect(ranges[0].type == "application/json")
        #expect(ranges[0].parameters == ["as": "Table", "g": "meta.k8s.io", "v": "v1"])
        #expect(ranges[1].parameters.isEmpty)
    }

    @Test func blankOrMalformedHeadersGiveNoRanges() {
        #expect(MediaRange.ranges(of: nil).isEmpty)
        #expect(MediaRange.ranges(of: "").isEmpty)
        #expect(MediaRange.ranges(of: " , ,").isEmpty)
        // A parameter without "=" is ignored, the type survives.
        #expect(MediaRange.ranges(of: "application/json;broken").first?.parameters.isEmpty == true)
    }

    @Test func conversionNeedsKindGroupAndAServedVersion() {
        let table = MediaRange(parsing: "application/json;as=Table;g=meta.k8s.io;v=v1beta1")
        #expect(table.conversion(as: "Table", group: "meta.k8s.io", versions: ["v1", "v1beta1"]) == "v1beta1")
        #expect(table.conversion(as: "Table", group: "meta.k8s.io", versions: ["v1"]) == nil)
        #expect(table.conversion(as: "PartialObjectMetadata", group: "meta.k8s.io", versions: ["v1beta1"]) == nil)
        #expect(table.conversion(as: "Table", group: "apps", versions: ["v1beta1"]) == nil)
        let yaml = MediaRange(parsing: "application/yaml;as=Table;g=meta.k8s.io;v=v1")
        #expect(yaml.conversion(as: "Table", group: "meta.k8s.io", versions: ["v1"]) == nil)
    }

    @Test func jsonIsAdmittedByWildcards() {
        #expect(MediaRange(parsing: "*/*").admitsJSON)
        #expect(MediaRange(parsing: "application/*").admitsJSON)
        #expect(MediaRange(parsing: "application/json;q=0.9").admitsJSON)
        #expect(!MediaRange(parsing: "application/vnd.kubernetes.protobuf").admitsJSON)
        #expect(!MediaRange(parsing: "text/plain").admitsJSON)
    }
}
