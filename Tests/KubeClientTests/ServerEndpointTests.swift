import KubeClient
import Testing

@Suite struct ServerEndpointTests {
    @Test(arguments: [
        ("https://10.0.0.1:6443", "10.0.0.1", true),
        ("https://[fd00::1]:6443", "fd00::1", true),
        ("https://[::1]", "::1", true),
        ("https://k3s.example:6443", "k3s.example", false),
        ("https://1.2.3.4.example", "1.2.3.4.example", false),
        ("https://localhost", "localhost", false),
    ])
    func tellsIPHostsFromNames(url: String, host: String, isIP: Bool) throws {
        let endpoint = try ServerEndpoint(url: url)
        #expect(endpoint.host == host)
        #expect(endpoint.hostIsIPAddress == isIP)
    }
}
