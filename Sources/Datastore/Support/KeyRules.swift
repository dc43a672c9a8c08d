/// The rules every key, list prefix and value must meet in one store, checked the same way by
/// every `Datastore` implementation.
///
/// A key is valid when it is longer than the store's prefix, starts with it (compared byte by
/// byte), contains no NUL byte and is at most ``maximumKeyLength`` UTF-8 bytes long. A list or
/// count prefix follows the same rules except that it may equal the store's prefix.
public struct KeyRules: Sendable, Hashable {
    /// The longest key accepted, in UTF-8 bytes.
    public static let defaultMaximumKeyLength = 4_096

    /// Every key must start with this prefix.
    public let prefix: String
    /// The longest key (and list prefix) accepted, in UTF-8 bytes.
    public let maximumKeyLength: Int
    /// The largest value accepted, in bytes.
    public let maximumValueSize: Int

    /// Creates the rules for a store whose keys live under `prefix`.
    public init(
        prefix: String,
        maximumKeyLength: Int = KeyRules.defaultMaximumKeyLength,
        maximumValueSize: Int = storeMaximumValueSize
    ) {
        self.prefix = prefix
        self.maximumKeyLength = maximumKeyLength
        self.maximumValueSize = maximumValueSize
    }

    /// Checks a key for `create`, `update`, `delete` and `get`.
    ///
    /// - Throws: `DatastoreError.invalidKey` naming the rule the key breaks.
    public func validateKey(_ key: String) throws(DatastoreError) {
        if key.isEmpty {
            throw .invalidKey(key: key, reason: "the key is empty")
        }
        try validateCommon(key, what: "key")
        if key.utf8.count == prefix.utf8.count {
            throw .invalidKey(key: key, reason: "the key must name something below the prefix \"\(prefix)\"")
        }
    }

    /// Checks the prefix passed to `list`, `count` or `watch`; it may equal the store's prefix.
    ///
    /// - Throws: `DatastoreError.invalidKey` naming the rule the prefix breaks.
    public func validateListPrefix(_ listPrefix: String) throws(DatastoreError) {
        if listPrefix.isEmpty {
            throw .invalidKey(key: listPrefix, reason: "the prefix is empty; use \"\(prefix)\" for every key")
        }
        try validateCommon(listPrefix, what: "prefix")
    }

    /// Checks the size of a value written under `key`.
    ///
    /// - Throws: `DatastoreError.valueTooLarge` if `value` is over ``maximumValueSize`` bytes.
    public func validateValue(_ value: [UInt8], key: String) throws(DatastoreError) {
        if value.count > maximumValueSize {
            throw .valueTooLarge(key: key, size: value.count, limit: maximumValueSize)
        }
    }

    private func validateCommon(_ key: String, what: String) throws(DatastoreError) {
        let length = key.utf8.count
        if length > maximumKeyLength {
            throw .invalidKey(
                key: String(key.prefix(64)) + "…",
                reason: "the \(what) is \(length) bytes long, over the limit of \(maximumKeyLength) bytes"
            )
        }
        if !ByteOrder.hasPrefix(key, prefix) {
            throw .invalidKey(key: key, reason: "the \(what) does not start with the store prefix \"\(prefix)\"")
        }
        if key.utf8.contains(0) {
            throw .invalidKey(key: key.replacingNULs(), reason: "the \(what) contains a NUL byte")
        }
    }
}

/// The global limit, named so the property of the same name does not hide it.
@usableFromInline let storeMaximumValueSize = maximumValueSize

extension String {
    /// The string with NUL characters shown as `\0`, for error messages.
    fileprivate func replacingNULs() -> String {
        var result = ""
        result.reserveCapacity(utf8.count + 2)
        for scalar in unicodeScalars {
            if scalar == "\0" { result += "\\0" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
