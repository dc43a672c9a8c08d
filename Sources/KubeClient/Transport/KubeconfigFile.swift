import KubeAPI
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of a kubeconfig a client needs to reach the API server, for its current context:
/// the server URL, the CA to trust, and the client certificate, key or token.
///
/// Reads `clusters[].cluster.server`, `certificate-authority-data` (or the file
/// `certificate-authority`), `insecure-skip-tls-verify`, and `users[].user`
/// `client-certificate-data`/`client-key-data` (or the files `client-certificate`/`client-key`),
/// `token` (or `tokenFile`). Relative file paths are resolved against the kubeconfig's folder.
public struct KubeconfigFile: Sendable, Hashable {
    /// The server URL.
    public var server: String
    /// The CA bundle PEM, when given.
    public var certificateAuthorityPEM: String?
    /// Whether the server's certificate is not to be checked.
    public var insecureSkipTLSVerify: Bool
    /// The client certificate PEM, when given.
    public var clientCertificatePEM: String?
    /// The client key PEM, when given.
    public var clientKeyPEM: String?
    /// The bearer token, when given.
    public var token: String?

    /// Creates a kubeconfig from its parts.
    public init(
        server: String, certificateAuthorityPEM: String?, insecureSkipTLSVerify: Bool = false,
        clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, token: String? = nil
    ) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
    }

    /// Reads the kubeconfig at `path`.
    ///
    /// - Throws: ``HTTPSTransportError/invalidKubeconfig(_:)``.
    public init(contentsOf path: String) throws(HTTPSTransportError) {
        let text = try Self.readFile(path, what: "kubeconfig")
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try self.init(parsing: text, baseDirectory: directory)
    }

    /// Parses kubeconfig YAML (or JSON); file references are resolved against `baseDirectory`.
    ///
    /// - Throws: ``HTTPSTransportError/invalidKubeconfig(_:)`` naming what is missing or malformed.
    public init(parsing text: String, baseDirectory: String = ".") throws(HTTPSTransportError) {
        let document: JSONValue
        do {
            document = try YAMLParser.parse(text)
        } catch {
            throw .invalidKubeconfig(error.description)
        }
        let contexts = document["contexts"]?.arrayValue ?? []
        let currentName = document["current-context"]?.stringValue
        let context: JSONValue?
        if let currentName, !currentName.isEmpty {
            guard let found = contexts.first(where: { $0["name"]?.stringValue == currentName }) else {
                throw .invalidKubeconfig("current-context \"\(currentName)\" is not among the contexts")
            }
            context = found["context"]
        } else {
            context = contexts.count == 1 ? contexts[0]["context"] : nil
        }
        let clusters = document["clusters"]?.arrayValue ?? []
        let users = document["users"]?.arrayValue ?? []
        func named(_ list: [JSONValue], _ name: String?, _ what: String) throws(HTTPSTransportError) -> JSONValue? {
            if let name {
                guard let entry = list.first(where: { $0["name"]?.stringValue == name }) else {
                    throw .invalidKubeconfig("\(what) \"\(name)\" of the current context is not defined")
                }
                return entry[what]
            }
            return list.count == 1 ? list[0][what] : nil
        }
        guard let cluster = try named(clusters, context?["cluster"]?.stringValue, "cluster") else {
            throw .invalidKubeconfig("no cluster is selected (set current-context)")
        }
        let user = try named(users, context?["user"]?.stringValue, "user") ?? .object([:])
        guard let server = cluster["server"]?.stringValue, !server.isEmpty else {
            throw .invalidKubeconfig("the cluster has no server URL")
        }
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : baseDirectory + "/" + path }
        func material(_ object: JSONValue, data: String, file: String) throws(HTTPSTransportError) -> String? {
            if let encoded = object[data]?.stringValue, !encoded.isEmpty {
                // Wrapped data is accepted: white space is dropped before decoding.
                let text = encoded.filter { !($0.isASCII && $0.isWhitespace) }
                guard let bytes = try? Base64.decode(text, padding: .optional) else {
                    throw .invalidKubeconfig("\(data) is not valid base64")
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            if let path = object[file]?.stringValue, !path.isEmpty {
                return try Self.readFile(resolve(path), what: file)
            }
            return nil
        }
        var token = user["token"]?.stringValue
        if token == nil || token?.isEmpty == true, let file = user["tokenFile"]?.stringValue, !file.isEmpty {
            token = try Self.readFile(resolve(file), what: "tokenFile").trimmingSpaces()
        }
        self.init(
            server: server,
            certificateAuthorityPEM: try material(cluster, data: "certificate-authority-data", file: "certificate-authority"),
            insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"]?.boolValue ?? false,
            clientCertificatePEM: try material(user, data: "client-certificate-data", file: "client-certificate"),
            clientKeyPEM: try material(user, data: "client-key-data", file: "client-key"),
            token: token?.isEmpty == true ? nil : token
        )
    }

    /// The transport configuration this kubeconfig describes.
    ///
    /// - Throws: ``HTTPSTransportError`` for a bad server URL, or a kubeconfig that names
    ///   neither a CA nor `insecure-skip-tls-verify`, or only half of a certificate/key pair.
    public func transportConfiguration() throws(HTTPSTransportError) -> HTTPSTransport.Configuration {
        let endpoint = try ServerEndpoint(url: server)
        let trust: TLSTrust
        if insecureSkipTLSVerify {
            trust = .insecureSkipVerify
        } else if let certificateAuthorityPEM {
            trust = .certificateAuthorities(certificateAuthorityPEM)
        } else {
            throw .invalidKubeconfig("the cluster has neither certificate-authority-data nor insecure-skip-tls-verify")
        }
        var client: ClientCertificateCredentials?
        switch (clientCertificatePEM, clientKeyPEM) {
        case (let certificate?, let key?): client = ClientCertificateCredentials(certificatePEM: certificate, privateKeyPEM: key)
        case (nil, nil): client = nil
        default: throw .invalidKubeconfig("the user has a client certificate without key, or a key without certificate")
        }
        return HTTPSTransport.Configuration(endpoint: endpoint, trust: trust, clientCertificate: client, bearerToken: token)
    }

    static func readFile(_ path: String, what: String) throws(HTTPSTransportError) -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return String(decoding: data, as: UTF8.self)
        } catch let error as CocoaError {
            let reason = switch error.code {
            case .fileReadNoSuchFile: "no such file"
            case .fileReadNoPermission: "permission denied"
            default: "\(error.code)"
            }
            throw .invalidKubeconfig("cannot read \(what) \(path): \(reason)")
        } catch {
            throw .invalidKubeconfig("cannot read \(what) \(path): \(error)")
        }
    }
}

extension HTTPSTransport {
    /// Creates a transport from the kubeconfig at `path` (its current context).
    ///
    /// - Throws: ``HTTPSTransportError`` when the file cannot be read or used.
    public convenience init(kubeconfig path: String, logger: Logger = Logger(label: "kubeclient.https")) throws(HTTPSTransportError) {
        let file = try KubeconfigFile(contentsOf: path)
        try self.init(configuration: file.transportConfiguration(), logger: logger)
    }
}
