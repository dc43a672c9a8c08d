@testable import APIServer
import Testing

@Suite struct PrometheusTextTests {
    static let kubeletResource = """
        # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
        # TYPE container_cpu_usage_seconds_total counter
        container_cpu_usage_seconds_total{container="coredns",namespace="kube-system",pod="coredns-6799fbcd5-x2x7v"} 12.345 1733560000123
        # TYPE container_memory_working_set_bytes gauge
        container_memory_working_set_bytes{container="coredns",namespace="kube-system",pod="coredns-6799fbcd5-x2x7v"} 1.6314368e+07 1733560000123
        node_cpu_usage_seconds_total 1234.5 1733560000456
        node_memory_working_set_bytes 1.073741824e+09 1733560000456
        scrape_error 0

        """

    @Test func readsAKubeletResourceDocument() throws {
        let samples = try PrometheusText.parse(Self.kubeletResource)
        #expect(samples.count == 5)
        #expect(samples[0] == PrometheusSample(
            name: "container_cpu_usage_seconds_total",
            labels: ["container": "coredns", "namespace": "kube-system", "pod": "coredns-6799fbcd5-x2x7v"],
            value: 12.345, timestampMilliseconds: 1_733_560_000_123))
        #expect(samples[1].value == 16_314_368)
        #expect(samples[3] == PrometheusSample(name: "node_memory_working_set_bytes", value: 1_073_741_824, timestampMilliseconds: 1_733_560_000_456))
        #expect(samples[4] == PrometheusSample(name: "scrape_error", value: 0))
    }

    @Test func labelEscapesSpacesAndSpecialValues() throws {
        let samples = try PrometheusText.parse(#"""
            m{a="x\"y", b="back\\slash",c="new\nline",} +Inf
            m2 { } NaN
              m3   -Inf   7
            m4{le="0.5"} 1e-3\#r
            """#)
        #expect(samples[0].labels == ["a": "x\"y", "b": "back\\slash", "c": "new\nline"])
        #expect(samples[0].value == .infinity)
        #expect(samples[1].value.isNaN)
        #expect(samples[2].value == -.infinity)
        #expect(samples[2].timestampMilliseconds == 7)
        #expect(samples[3].value == 0.001)
    }

    @Test(arguments: [
        ("ok 1\n9bad 1", 2, "expected a metric name"),
        ("m{a=\"x\" 1", 1, "expected \",\" or \"}\" after a label"),
        ("m{a=\"x}", 1, "unterminated label value"),
        ("m{a=\"\\t\"} 1", 1, "invalid escape \"\\t\" in label value"),
        ("m", 1, "missing value for m"),
        ("m abc", 1, "invalid value \"abc\" for m"),
        ("m 1 12.5", 1, "invalid timestamp \"12.5\" for m"),
        ("m 1 12 extra", 1, "unexpected text after the timestamp of m"),
    ])
    func malformedLinesAreNamed(text: String, line: Int, message: String) {
        #expect(throws: PrometheusParseError(line: line, message: message)) {
            _ = try PrometheusText.parse(text)
        }
    }
}
