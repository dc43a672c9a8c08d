import NIOCore
import NIOPosix
import NIOSSL

extension BackendClient {
    /// Sends an upgrade request (`Connection: Upgrade`) on a connection of its own and reads the
    /// answer. On `101` the returned tunnel holds the connection (and any bytes the backend sent
    /// after its head) until ``BackendTunnel/takeOver(_:)`` splices it to the client; otherwise
    /// the response carries its body and the connection is closed.
    func upgrade(_ request: Request, to endpoint: BackendEndpoint) async throws -> (BackendResponse, BackendTunnel?) {
        let promise = group.next().makePromise(of: BackendResponse.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connectTimeout(connectTimeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        if let tls = endpoint.tls {
                            try operations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: endpoint.serverHostname))
                        }
                        try operations.addHandler(TunnelHandler(response: promise, bodyLimit: 1 << 20))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            promise.fail(error)
            throw error
        }
        armResponseTimeout(promise, channel: channel)
        var text = "\(request.method) \(request.target) HTTP/1.1\r\nHost: \(endpoint.authority)\r\n"
        for (name, value) in request.headers where name.lowercased() != "host" {
            text += "\(name): \(value)\r\n"
        }
        text += "\r\n"
        let response: BackendResponse
        do {
            try await channel.writeAndFlush(ByteBuffer(string: text)).get()
            response = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            channel.close(promise: nil)
            promise.fail(error)
            throw error
        }
        guard response.status == 101 else {
            channel.close(promise: nil)
            return (response, nil)
        }
        return (response, BackendTunnel(backend: channel))
    }
}

/// A backend connection that switched protocols, waiting to be spliced to the client's.
struct BackendTunnel: ConnectionUpgrade {
    let backend: any Channel

    func takeOver(_ channel: any Channel) async {
        let backend = self.backend
        do {
            try await channel.eventLoop.submit {
                let operations = channel.pipeline.syncOperations
                let tls = try operations.handler(type: NIOSSLHandler.self)
                try operations.addHandler(TunnelHandler(backend: backend), position: .after(tls))
            }.get()
        } catch {
            backend.close(promise: nil)
            return
        }
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        backend.close(promise: nil)
    }

    func abandon() {
        backend.close(promise: nil)
    }
}
