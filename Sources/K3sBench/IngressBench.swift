import Foundation
import IngressProxy
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `k3s-bench ingress [--clients 16] [--seconds 5]`: requests per second and p99 latency of
/// the built-in ingress proxy (`ingress_rps`, `ingress_p99_ms`) with keep-alive clients against
/// one endpoint on loopback, and of nginx (Debian's `/usr/sbin/nginx`, one worker, keep-alive
/// upstream) as a reverse proxy to the same endpoint measured the same way in the same run
/// (`nginx_rps`, `nginx_p99_ms`).
///
/// Each side gets one thread (the proxy one event loop, nginx one worker); the endpoint and
/// the load generator one event loop each.
struct IngressBench {
    var clients: Int
    var seconds: Int

    static let nginx = "/usr/sbin/nginx"

    func run() async throws {
        let backendGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let proxyGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loadGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await measure(backendGroup: backendGroup, proxyGroup: proxyGroup, loadGroup: loadGroup)
        } catch {
            for group in [backendGroup, proxyGroup, loadGroup] { try? await group.shutdownGracefully() }
            throw error
        }
        for group in [backendGroup, proxyGroup, loadGroup] { try? await group.shutdownGracefully() }
    }

    private func measure(backendGroup: any EventLoopGroup, proxyGroup: any EventLoopGroup, loadGroup: any EventLoopGroup) async throws {
        let backend = try await ServerBootstrap(group: backendGroup)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(BenchEndpoint())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let backendPort = backend.localAddress?.port ?? 0

        // The built-in proxy, routing one host to the endpoint.
        var spec = CoreV1.ServiceSpec()
        spec.ports = [CoreV1.ServicePort(name: "http", port: 80, protocol: "TCP")]
        let service = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "bench", namespace: "default"), spec: spec)
        let slice = DiscoveryV1.EndpointSlice(
            addressType: "IPv4", endpoints: [DiscoveryV1.Endpoint(addresses: ["127.0.0.1"], conditions: .init(ready: true))],
            metadata: MetaV1.ObjectMeta(labels: ["kubernetes.io/service-name": "bench"], name: "bench-1", namespace: "default"),
            ports: [DiscoveryV1.EndpointPort(name: "http", port: backendPort, protocol: "TCP")])
        let ingress = NetworkingV1.Ingress(
            metadata: MetaV1.ObjectMeta(name: "bench", namespace: "default"),
            spec: NetworkingV1.IngressSpec(rules: [NetworkingV1.IngressRule(host: "bench.test", http: .init(paths: [
                NetworkingV1.HTTPIngressPath(
                    backend: .init(service: .init(name: "bench", port: .init(number: 80))), path: "/", pathType: "Prefix"),
            ]))]))
        let (table, _) = IngressRouteCompiler.compile([ingress], lookup: .init(
            service: { _, _ in service }, endpointSlices: { _, _ in [slice] }, secret: { _, _ in nil }))
        let logger = Logger(label: "ingress-bench")
        let configuration = IngressProxyConfiguration(listeners: [.init(host: "127.0.0.1", port: 0, tls: false)])
        let proxy = IngressProxyServer(
            configuration: configuration, routes: FixedIngressRoutes(table),
            certificates: try IngressCertificateStore(defaultName: configuration.defaultCertificateName, logger: logger),
            group: proxyGroup, logger: logger)
        let proxyAddress = try await proxy.start()[0].address
        let ours = try await HTTPLoadGenerator(target: proxyAddress, host: "bench.test", connections: clients)
            .run(duration: .seconds(seconds), group: loadGroup)
        await proxy.stop()
        report(ours, backend: "ingress-proxy", prefix: "ingress")

        if FileManager.default.isExecutableFile(atPath: Self.nginx) {
            let nginx = try NginxProcess(upstreamPort: backendPort)
            defer { nginx.stop() }
            try await nginx.waitUntilListening(group: loadGroup)
            let theirs = try await HTTPLoadGenerator(target: try SocketAddress(ipAddress: "127.0.0.1", port: nginx.port), host: "bench.test", connections: clients)
                .run(duration: .seconds(seconds), group: loadGroup)
            report(theirs, backend: "nginx", prefix: "nginx")
        } else {
            FileHandle.standardError.write(Data("ingress bench: \(Self.nginx) not found; nginx figures skipped\n".utf8))
        }
        try await backend.close()
    }

    private func report(_ result: HTTPLoadGenerator.Result, backend: String, prefix: String) {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let parameters: [(String, Figure.Parameter)] = [
            ("clients", .int(clients)), ("seconds", .int(seconds)), ("build", .string(build)),
            ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)),
        ]
        for figure in [
            Figure(suite: "net", backend: backend, name: "\(prefix)_rps", parameters: parameters, value: result.requestsPerSecond.rounded(), unit: "requests/s"),
            Figure(suite: "net", backend: backend, name: "\(prefix)_p99_ms", parameters: parameters, value: result.percentileMilliseconds(0.99), unit: "ms"),
        ] {
            FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
        }
        if result.errors > 0 { FileHandle.standardError.write(Data("ingress bench: \(backend): \(result.errors) errors\n".utf8)) }
    }
}

/// The benchmark's endpoint: a short fixed answer to every request, keep-alive.
final class BenchEndpoint: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let headers = HTTPHeaders([("content-length", "13"), ("content-type", "text/plain")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "hello, bench\n")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// nginx as a reverse proxy on a free loopback port, from a temporary configuration; removed
/// with its directory by ``stop()``.
final class NginxProcess {
    let port: Int
    let directory: URL
    let process = Process()

    init(upstreamPort: Int) throws {
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-bench-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.path
        let configuration = """
            worker_processes 1;
            daemon off;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                keepalive_requests 100000000;
                keepalive_timeout 300s;
                client_body_temp_path \(path)/body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
                upstream endpoint {
                    server 127.0.0.1:\(upstreamPort);
                    keepalive 32;
                    keepalive_requests 100000000;
                }
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass http://endpoint;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_set_header X-Real-IP $remote_addr;
                    }
                }
            }

            """
        try configuration.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: IngressBench.nginx)
        process.arguments = ["-p", path, "-c", "\(path)/nginx.conf"]
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Returns once nginx accepts connections (at most 10 s).
    func waitUntilListening(group: any EventLoopGroup) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let channel = try? await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close()
                return
            }
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw NginxDidNotStart(port: port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    struct NginxDidNotStart: Error, CustomStringConvertible {
        var port: Int
        var description: String { "nginx did not start listening on 127.0.0.1:\(port)" }
    }

    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }
}
