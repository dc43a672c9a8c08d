/// Removes `metadata.managedFields` from serialized objects before they are decoded for an
/// informer's cache, as upstream's controller manager and scheduler drop them from theirs: no
/// controller reads them, decoding them is a large share of a watch event's cost, and the
/// decoded entries are a large share of a cached object's memory. (The API server keeps the
/// recorded managed fields when an update omits them, so objects written back from the cache
/// lose nothing.)
///
/// Works on the JSON text: every member named `managedFields` of an object that is the value of
/// a member named `metadata` (a watch frame's object, a list's items, or a bare object) is cut
/// out. Text that is not well-formed is returned unchanged.
enum ManagedFieldsStripper {
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
    private static let comma = UInt8(ascii: ","), openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    private static let metadata = Array("metadata".utf8), managedFields = Array("managedFields".utf8)

    /// `bytes` without the managed fields of any object's metadata.
    static func strip(_ bytes: [UInt8]) -> [UInt8] {
        // Cheap check first: most objects sent to caches have them, but not all.
        guard contains(bytes, managedFields) else { return bytes }
        var cuts: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { text in
            // For each open container: whether it is an object that is a `metadata` value.
            var stack: [Bool] = []
            var lastKey: Range<Int>?
            var i = 0
            let n = text.count
            while i < n {
                let byte = text[i]
                if byte == quote {
                    guard let end = stringEnd(text, from: i) else { cuts.removeAll(); return }
                    // A string followed by a colon is a member name.
                    var j = end + 1
                    while j < n, isSpace(text[j]) { j += 1 }
                    if j < n, text[j] == colon {
                        let name = (i + 1)..<end
                        if stack.last == true, equal(text, name, managedFields) {
                            var valueStart = j + 1
                            while valueStart < n, isSpace(text[valueStart]) { valueStart += 1 }
                            guard let valueEnd = valueEnd(text, from: valueStart) else { cuts.removeAll(); return }
                            cuts.append(memberRange(text, name: i, valueEnd: valueEnd))
                            i = valueEnd
                            continue
                        }
                        lastKey = name
                        i = j + 1
                        continue
                    }
                    lastKey = nil
                    i = end + 1
                    continue
                }
                switch byte {
                case openBrace:
                    stack.append(lastKey.map { equal(text, $0, metadata) } ?? false)
                    lastKey = nil
                case openBracket:
                    stack.append(false)
                    lastKey = nil
                case closeBrace, closeBracket:
                    _ = stack.popLast()
                    lastKey = nil
                case comma:
                    lastKey = nil
                default:
                    break
                }
                i += 1
            }
        }
        if cuts.isEmpty { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var from = 0
        for cut in cuts {
            result.append(contentsOf: bytes[from..<cut.lowerBound])
            from = cut.upperBound
        }
        result.append(contentsOf: bytes[from...])
        return result
    }

    /// The member from its name's opening quote to the end of its value, with one neighbouring
    /// comma (the following one, else the preceding one) so the object stays well-formed.
    private static func memberRange(_ text: UnsafeBufferPointer<UInt8>, name: Int, valueEnd: Int) -> Range<Int> {
        var after = valueEnd
        while after < text.count, isSpace(text[after]) { after += 1 }
        if after < text.count, text[after] == comma { return name..<(after + 1) }
        var before = name - 1
        while before >= 0, isSpace(text[before]) { before -= 1 }
        if before >= 0, text[before] == comma { return before..<valueEnd }
        return name..<valueEnd
    }

    /// The index of the closing quote of the string opening at `start`.
    private static func stringEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start + 1
        while i < text.count {
            switch text[i] {
            case backslash: i += 2
            case quote: return i
            default: i += 1
            }
        }
        return nil
    }

    /// The index just past the JSON value starting at `start`.
    private static func valueEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < text.count else { return nil }
        switch text[start] {
        case quote:
            return stringEnd(text, from: start).map { $0 + 1 }
        case openBrace, openBracket:
            var depth = 0
            var i = start
            while i < text.count {
                switch text[i] {
                case quote:
                    guard let end = stringEnd(text, from: i) else { return nil }
                    i = end
                case openBrace, openBracket:
                    depth += 1
                case closeBrace, closeBracket:
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            return nil
        default:
            // A number, `true`, `false` or `null`: up to the next delimiter.
            var i = start
            while i < text.count, text[i] != comma, text[i] != closeBrace, text[i] != closeBracket, !isSpace(text[i]) { i += 1 }
            return i
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func equal(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: [UInt8]) -> Bool {
        guard range.count == word.count else { return false }
        for (offset, byte) in word.enumerated() where text[range.lowerBound + offset] != byte { return false }
        return true
    }

    private static func contains(_ bytes: [UInt8], _ word: [UInt8]) -> Bool {
        guard let first = word.first, bytes.count >= word.count else { return false }
        var i = 0
        let last = bytes.count - word.count
        while i <= last {
            if bytes[i] == first {
                var match = true
                for k in 1..<word.count where bytes[i + k] != word[k] {
                    match = false
                    break
                }
                if match { return true }
            }
            i += 1
        }
        return false
    }
}
