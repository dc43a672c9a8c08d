import KubeAPI

/// Authenticates static bearer tokens listed in a `--token-auth-file`: a CSV file with one
/// `token,user,uid,"group1,group2"` record per line (the groups column is optional; blank lines
/// are skipped). Users found here get `system:authenticated` added.
public struct TokenFileAuthenticator: TokenAuthenticator {
    /// The identity of each token.
    public let users: [String: UserInfo]

    /// Creates an authenticator from a token-to-identity table.
    public init(users: [String: UserInfo]) {
        self.users = users
    }

    /// Parses the contents of a token file.
    ///
    /// - Throws: ``TokenFileError`` naming the line of a malformed record, an empty token or user,
    ///   or a token listed twice.
    public init(parsing contents: String) throws(TokenFileError) {
        var users: [String: UserInfo] = [:]
        var lineNumber = 0
        for rawLine in contents.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try Self.fields(of: line, line: lineNumber)
            guard fields.count >= 3 else { throw .tooFewColumns(line: lineNumber, found: fields.count) }
            let token = fields[0].trimmingSpaces()
            let name = fields[1].trimmingSpaces()
            let uid = fields[2].trimmingSpaces()
            guard !token.isEmpty else { throw .emptyToken(line: lineNumber) }
            guard !name.isEmpty else { throw .emptyUser(line: lineNumber) }
            guard users[token] == nil else { throw .duplicateToken(line: lineNumber) }
            var groups: [String] = []
            if fields.count >= 4 {
                groups = fields[3].split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            }
            users[token] = UserInfo(name: name, uid: uid.isEmpty ? nil : uid, groups: groups)
        }
        self.users = users
    }

    /// The token's identity, or `nil` when the file does not list it.
    public func authenticate(token: String, audiences: [String]?) async throws -> AuthenticatedToken? {
        guard var user = users[token] else { return nil }
        user.groups = AuthenticatedGroups.adding(to: user.groups)
        return AuthenticatedToken(user: user, audiences: audiences ?? [])
    }

    /// Splits one CSV record: fields separated by commas, a field may be double-quoted (with `""`
    /// for a quote inside), spaces before a field are ignored.
    static func fields(of line: Substring, line lineNumber: Int) throws(TokenFileError) -> [String] {
        var fields: [String] = []
        var index = line.startIndex
        while true {
            while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
            var field = ""
            if index < line.endIndex, line[index] == "\"" {
                index = line.index(after: index)
                var closed = false
                while index < line.endIndex {
                    let character = line[index]
                    index = line.index(after: index)
                    if character == "\"" {
                        if index < line.endIndex, line[index] == "\"" {
                            field.append("\"")
                            index = line.index(after: index)
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        field.append(character)
                    }
                }
                guard closed else { throw .unterminatedQuote(line: lineNumber) }
                while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
                guard index == line.endIndex || line[index] == "," else { throw .textAfterQuote(line: lineNumber) }
            } else {
                while index < line.endIndex, line[index] != "," {
                    guard line[index] != "\"" else { throw .quoteInUnquotedField(line: lineNumber) }
                    field.append(line[index])
                    index = line.index(after: index)
                }
            }
            fields.append(field)
            guard index < line.endIndex else { return fields }
            index = line.index(after: index)  // the comma
        }
    }
}

/// Why a token file could not be read.
public enum TokenFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A record has fewer than the three required columns (token, user, uid).
    case tooFewColumns(line: Int, found: Int)
    /// A record's token is empty.
    case emptyToken(line: Int)
    /// A record's user name is empty.
    case emptyUser(line: Int)
    /// A token appears on an earlier line too.
    case duplicateToken(line: Int)
    /// A quoted field is not closed.
    case unterminatedQuote(line: Int)
    /// Something other than a comma follows a quoted field.
    case textAfterQuote(line: Int)
    /// A double quote appears inside an unquoted field.
    case quoteInUnquotedField(line: Int)

    /// A message naming the line.
    public var description: String {
        switch self {
        case .tooFewColumns(let line, let found):
            "token file line \(line): expected at least 3 columns (token,user,uid), found \(found)"
        case .emptyToken(let line): "token file line \(line): the token is empty"
        case .emptyUser(let line): "token file line \(line): the user name is empty"
        case .duplicateToken(let line): "token file line \(line): the token is already listed on an earlier line"
        case .unterminatedQuote(let line): "token file line \(line): a quoted field is not closed"
        case .textAfterQuote(let line): "token file line \(line): unexpected text after a quoted field"
        case .quoteInUnquotedField(let line): "token file line \(line): a double quote inside an unquoted field"
        }
    }
}
