import NIOCore

/// Takes over an HTTP/1.1 connection once the transport has written a `101 Switching Protocols`
/// head for it (see ``APIResponse/upgrade``): from then on the connection carries raw bytes.
protocol ConnectionUpgrade: Sendable {
    /// Runs the upgraded connection until it ends. `channel` is the client's connection; TLS is
    /// still in place, the HTTP handlers above it see no more bytes. The transport closes the
    /// channel when this returns.
    func takeOver(_ channel: any Channel) async

    /// Releases what the upgrade holds when it cannot happen (the request came over HTTP/2, or
    /// the client went away before the head was written).
    func abandon()
}
