import Logging

extension NodeToken {
    /// Returns the server token, writing it to `DATA_DIR/server/token` and
    /// `DATA_DIR/server/node-token` (mode 0600).
    ///
    /// The secret is `configured` (`--token`; a K10 token contributes its secret part) if
    /// given, else the one already stored, else a new random one. The CA hash always follows
    /// the current server CA. Files are rewritten only when their content changes.
    public static func loadOrCreate(
        serverDirectory: String,
        configured: String?,
        serverCAPEM: String,
        logger: Logger
    ) throws(PKIError) -> NodeToken {
        let tokenPath = serverDirectory + "/token"
        let nodeTokenPath = serverDirectory + "/node-token"
        var password: String
        if let configured {
            do {
                let given = try NodeToken(parsing: configured)
                if !given.matches(caCertificatePEM: serverCAPEM) {
                    throw PKIError(file: "--token", reason: "the token's CA hash does not match this server's CA")
                }
                password = given.password
            } catch let error as ParseError {
                throw PKIError(file: "--token", reason: error.description)
            } catch let error as PKIError {
                throw error
            } catch {
                throw PKIError(file: "--token", reason: "\(error)")
            }
        } else {
            let stored: String?
            do {
                stored = try FileSystem.readTextFile(tokenPath)
            } catch {
                throw PKIError(file: tokenPath, reason: error.description)
            }
            if let stored {
                do {
                    password = try NodeToken(parsing: stored).password
                } catch {
                    throw PKIError(file: tokenPath, reason: "\(error.description); remove the file to generate a new token")
                }
            } else {
                password = NodeToken.randomSecret()
                logger.info("generated a new server token", metadata: ["file": "\(tokenPath)"])
            }
        }
        let token = NodeToken(caCertificatePEM: serverCAPEM, username: "server", password: password)
        let text = token.description + "\n"
        for path in [tokenPath, nodeTokenPath] {
            do {
                if (try FileSystem.readTextFile(path)) != text {
                    try FileSystem.writeFile(text, to: path, mode: 0o600)
                }
            } catch {
                throw PKIError(file: path, reason: error.description)
            }
        }
        return token
    }
}
