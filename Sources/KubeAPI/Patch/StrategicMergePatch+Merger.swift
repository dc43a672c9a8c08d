import OrderedCollections

extension StrategicMergePatch {
    /// The apply half of strategic merge patch: merges a patch into an original, guided by a schema.
    struct Merger {
        typealias Object = OrderedDictionary<String, JSONValue>

        let schema: MergeSchema

        /// One step of the location being merged, rendered only when an error is reported.
        enum PathItem {
            /// An object member.
            case key(String)
            /// A list element identified by its merge key value.
            case element(String, JSONValue)
        }

        typealias Path = [PathItem]

        /// Renders a path as a JSON Pointer, with merged list elements as `[key=value]`.
        static func render(_ path: Path) -> String {
            var out = ""
            for item in path {
                switch item {
                case .key(let key): out += "/" + JSONPointer.escape(key)
                case .element(let key, let value): out += "[\(key)=\(PatchText.compact(value, limit: 60))]"
                }
            }
            return out
        }

        // MARK: - Schema lookup

        /// The member table of one object node, looked up once per node.
        struct Fields {
            let table: [String: MergeField]?
            let valueType: MergeType?

            /// The merge facts of member `key`, or `nil` when the member is unknown.
            func callAsFunction(_ key: String) -> MergeField? {
                if let valueType { return MergeField(type: valueType) }
                return table?[key]
            }
        }

        /// The member table of a node of type `container`.
        func fields(of container: MergeType) -> Fields {
            switch container {
            case .object(let definition): return Fields(table: schema.definitions[definition], valueType: nil)
            case .map(let valueType): return Fields(table: nil, valueType: valueType)
            default: return Fields(table: nil, valueType: nil)
            }
        }

        static func elementType(of type: MergeType) -> MergeType {
            if case .array(let element) = type { return element }
            return .unstructured
        }

        // MARK: - Maps

        /// Merges `patch` into `original`, both objects of type `container`.
        func mergeObject(_ original: Object, _ patchIn: Object, container: MergeType, path: Path) throws(PatchError) -> Object {
            var patch = patchIn
            if let directive = patch[StrategicMergePatch.directiveMarker] {
                switch directive {
                case .string("replace"):
                    patch.removeValue(forKey: StrategicMergePatch.directiveMarker)
                    return cleanObject(patch, type: container)
                case .string("delete"):
                    return [:]
                case .string("merge"):
                    patch.removeValue(forKey: StrategicMergePatch.directiveMarker)
                default:
                    throw invalid(path, "unknown $patch directive \(PatchText.compact(directive)) in map (expected replace, delete or merge)")
                }
            }

            var result = original

            if let retain = patch.removeValue(forKey: StrategicMergePatch.retainKeysDirective) {
                try applyRetainKeys(retain, patch: patch, to: &result, path: path)
            }

            let field = fields(of: container)
            var consumed = Set<String>()
            for (key, value) in patch where key.hasPrefix(StrategicMergePatch.setElementOrderPrefix) {
                let name = try directiveTarget(key, prefix: StrategicMergePatch.setElementOrderPrefix, path: path)
                if try applySetElementOrder(name: name, key: key, order: value, patch: patch, container: container, result: &result, path: path) {
                    consumed.insert(name)
                }
            }

            for (key, value) in patch {
                if key.hasPrefix(StrategicMergePatch.setElementOrderPrefix) || consumed.contains(key) { continue }
                if key.hasPrefix(StrategicMergePatch.deleteFromPrimitiveListPrefix) {
                    let name = try directiveTarget(key, prefix: StrategicMergePatch.deleteFromPrimitiveListPrefix, path: path)
                    guard case .array(let toDelete) = value else {
                        throw invalid(path, "\(key) must be a list, got \(PatchText.typeName(value))")
                    }
                    if case .array(let current)? = result[name] {
                        let doomed = Set(toDelete)
                        result[name] = .array(current.filter { !doomed.contains($0) })
                    }
                    continue
                }
                let childPath = path + [.key(key)]
                if case .null = value {
                    result.removeValue(forKey: key)
                    continue
                }
                guard let info = field(key) else {
                    result[key] = JSONMergePatch.apply(value, to: result[key] ?? .null)
                    continue
                }
                try checkType(value, info.type, path: childPath)
                if case .unstructured = info.type {
                    result[key] = JSONMergePatch.apply(value, to: result[key] ?? .null)
                    continue
                }
                guard let current = result[key] else {
                    result[key] = clean(value, type: info.type)
                    continue
                }
                switch (current, value) {
                case (.object(let originalChild), .object(let patchChild)):
                    if info.patchStrategies.contains(.replace) || info.type == .scalar {
                        result[key] = clean(value, type: info.type)
                    } else {
                        result[key] = .object(try mergeObject(originalChild, patchChild, container: info.type, path: childPath))
                    }
                case (.array(let originalList), .array(let patchList)):
                    result[key] = .array(try mergeList(originalList, patchList, field: info, path: childPath))
                default:
                    result[key] = clean(value, type: info.type)
                }
            }
            return result
        }

        private func applyRetainKeys(_ retain: JSONValue, patch: Object, to result: inout Object, path: Path) throws(PatchError) {
            guard case .array(let items) = retain else {
                throw invalid(path, "$retainKeys must be a list of strings, got \(PatchText.typeName(retain))")
            }
            var keep = Set<String>()
            for item in items {
                guard case .string(let name) = item else {
                    throw invalid(path, "$retainKeys must be a list of strings, found \(PatchText.compact(item))")
                }
                keep.insert(name)
            }
            for (key, value) in patch {
                if case .null = value { continue }
                if key.hasPrefix(StrategicMergePatch.deleteFromPrimitiveListPrefix)
                    || key.hasPrefix(StrategicMergePatch.setElementOrderPrefix)
                {
                    continue
                }
                guard keep.contains(key) else {
                    throw invalid(path, "field \"\(key)\" is set in the patch but not listed in $retainKeys")
                }
            }
            result.removeAll { !keep.contains($0.key) }
        }

        /// The field name after `prefix/` in a directive key.
        private func directiveTarget(_ key: String, prefix: String, path: Path) throws(PatchError) -> String {
            let rest = key.dropFirst(prefix.count)
            guard rest.first == "/", rest.count > 1 else {
                throw invalid(path, "malformed directive key \"\(key)\" (expected \(prefix)/<field>)")
            }
            return String(rest.dropFirst())
        }

        /// Applies `$setElementOrder/<name>`, merging the field's patch list as well. Returns
        /// whether the patch's own `<name>` member was consumed.
        private func applySetElementOrder(
            name: String,
            key: String,
            order orderValue: JSONValue,
            patch: Object,
            container: MergeType,
            result: inout Object,
            path: Path
        ) throws(PatchError) -> Bool {
            guard case .array(let order) = orderValue else {
                throw invalid(path, "\(key) must be a list, got \(PatchText.typeName(orderValue))")
            }
            let fieldPath = path + [.key(name)]
            let info = fields(of: container)(name) ?? MergeField(type: .unstructured)
            var patchList: [JSONValue]?
            switch patch[name] {
            case nil: patchList = nil
            case .null?: return false  // the field is deleted; ordering is moot
            case .array(let items)?: patchList = items
            case let other?: throw .typeMismatch(path: Merger.render(fieldPath), expected: "array", found: PatchText.typeName(other))
            }
            var originalList: [JSONValue]?
            switch result[name] {
            case nil: originalList = nil
            case .array(let items)?: originalList = items
            case let other?:
                throw invalid(fieldPath, "\(key) applies to a list, but the document holds \(PatchText.typeName(other)) here")
            }
            if originalList == nil && patchList == nil { return false }

            let mergeKey = info.patchMergeKey.flatMap { $0.isEmpty ? nil : $0 }
            let identity = try identityFunction(mergeKey: mergeKey)
            let orderKeys = try order.map { (element: JSONValue) throws(PatchError) -> JSONValue in
                try requireIdentity(element, mergeKey: mergeKey, path: fieldPath, list: key)
            }
            try validateOrder(patchList ?? [], orderKeys: orderKeys, mergeKey: mergeKey, path: fieldPath, key: key)

            let merged: [JSONValue]
            switch (originalList, patchList) {
            case (let original?, nil): merged = original
            case (nil, let added?): merged = cleanList(added, elementType: Self.elementType(of: info.type))
            case (let original?, let added?): merged = try mergeList(original, added, field: info, path: fieldPath)
            case (nil, nil): return false
            }
            if mergeKey != nil {
                for element in merged { _ = try requireIdentity(element, mergeKey: mergeKey, path: fieldPath, list: name) }
            }
            let serverKeys = (originalList ?? []).compactMap(identity)
            result[name] = .array(Self.reorder(merged, orderKeys: orderKeys, serverKeys: serverKeys, identity: identity))
            return patchList != nil
        }

        private func identityFunction(mergeKey: String?) throws(PatchError) -> @Sendable (JSONValue) -> JSONValue? {
            guard let mergeKey else { return { $0 } }
            return { element in
                if case .object(let members) = element { return members[mergeKey] }
                return nil
            }
        }

        /// The identity of a list element: its merge key value, or the element itself.
        private func requireIdentity(_ element: JSONValue, mergeKey: String?, path: Path, list: String) throws(PatchError) -> JSONValue {
            guard let mergeKey else { return element }
            guard case .object(let members) = element, let value = members[mergeKey] else {
                throw missingMergeKey(element, mergeKey: mergeKey, path: path)
            }
            return value
        }

        /// Checks that the non-directive patch elements appear in `$setElementOrder` in the same relative order.
        private func validateOrder(_ patchList: [JSONValue], orderKeys: [JSONValue], mergeKey: String?, path: Path, key: String) throws(PatchError) {
            if patchList.isEmpty || orderKeys.isEmpty { return }
            var orderIndex = 0
            for element in patchList {
                if case .object(let members) = element, members[StrategicMergePatch.directiveMarker] != nil { continue }
                let id = try requireIdentity(element, mergeKey: mergeKey, path: path, list: key)
                while orderIndex < orderKeys.count, orderKeys[orderIndex] != id { orderIndex += 1 }
                guard orderIndex < orderKeys.count else {
                    throw invalid(path, "the order of the patch list does not match \(key): \(PatchText.compact(id)) is missing or out of order")
                }
                orderIndex += 1
            }
        }

        // MARK: - Lists

        /// Merges a patch list into an original list according to the field's strategy.
        func mergeList(_ original: [JSONValue], _ patch: [JSONValue], field info: MergeField, path: Path) throws(PatchError) -> [JSONValue] {
            let elementType = Self.elementType(of: info.type)
            guard info.patchStrategies.contains(.merge) else {
                return cleanList(patch, elementType: elementType)
            }
            if original.isEmpty && patch.isEmpty { return original }

            var special: [(directive: JSONValue, element: Object)] = []
            var regular: [JSONValue] = []
            for element in patch {
                if case .object(let members) = element, let directive = members[StrategicMergePatch.directiveMarker] {
                    special.append((directive, members))
                } else {
                    regular.append(element)
                }
            }
            let mergeKey = info.patchMergeKey.flatMap { $0.isEmpty ? nil : $0 }
            if let mergeKey {
                for element in original + regular {
                    guard case .object = element else {
                        throw invalid(path, "list merged by key \"\(mergeKey)\" must hold only objects, found \(PatchText.compact(element))")
                    }
                }
                return try mergeKeyedList(original, regular: regular, special: special, mergeKey: mergeKey, elementType: elementType, path: path)
            }
            for element in original + regular {
                switch element {
                case .object:
                    throw invalid(path, "cannot merge a list of objects without a patch merge key")
                case .array:
                    throw invalid(path, "lists of lists cannot be merged")
                default:
                    break
                }
            }
            var replace = false
            for (directive, _) in special {
                switch directive {
                case .string("replace"): replace = true
                case .string("merge"): continue
                default:
                    throw invalid(path, "$patch \(PatchText.compact(directive)) is not supported in a list of primitive values (only replace or merge)")
                }
            }
            if replace { return regular }
            return Self.primitiveUnion(original, regular)
        }

        private func mergeKeyedList(
            _ original: [JSONValue],
            regular: [JSONValue],
            special: [(directive: JSONValue, element: Object)],
            mergeKey: String,
            elementType: MergeType,
            path: Path
        ) throws(PatchError) -> [JSONValue] {
            func key(_ element: JSONValue) -> JSONValue? {
                if case .object(let members) = element { return members[mergeKey] }
                return nil
            }
            for element in original where key(element) == nil {
                throw missingMergeKey(element, mergeKey: mergeKey, path: path)
            }
            var working = original
            var replace = false
            for (directive, element) in special {
                switch directive {
                case .string("delete"):
                    guard let doomed = element[mergeKey] else {
                        throw missingMergeKey(.object(element), mergeKey: mergeKey, path: path)
                    }
                    working.removeAll { key($0) == doomed }
                case .string("replace"):
                    replace = true
                case .string("merge"):
                    continue
                default:
                    throw invalid(path, "unknown $patch directive \(PatchText.compact(directive)) in list element \(PatchText.compact(.object(element))) (expected replace, delete or merge)")
                }
            }
            if replace {
                var out: [JSONValue] = []
                for element in regular {
                    guard key(element) != nil else { throw missingMergeKey(element, mergeKey: mergeKey, path: path) }
                    if let cleaned = clean(element, type: elementType) { out.append(cleaned) }
                }
                return out
            }

            var serverIndex: [JSONValue: Int] = [:]
            for (i, element) in working.enumerated() {
                if let k = key(element), serverIndex[k] == nil { serverIndex[k] = i }
            }
            var merged = working
            var mergedIndex = serverIndex
            var patchKeys: [JSONValue] = []
            for element in regular {
                guard case .object(let patchMembers) = element, let k = patchMembers[mergeKey] else {
                    throw missingMergeKey(element, mergeKey: mergeKey, path: path)
                }
                patchKeys.append(k)
                if let i = mergedIndex[k], case .object(let originalMembers) = merged[i] {
                    let elementPath = path + [.element(mergeKey, k)]
                    merged[i] = .object(try mergeObject(originalMembers, patchMembers, container: elementType, path: elementPath))
                } else {
                    var added = clean(element, type: elementType) ?? .object([:])
                    if case .object(var members) = added, members[mergeKey] == nil {
                        members[mergeKey] = k
                        added = .object(members)
                    }
                    mergedIndex[k] = merged.count
                    merged.append(added)
                }
            }
            return Self.reorder(merged, orderKeys: patchKeys, serverKeys: working.compactMap(key), identity: key)
        }

        /// Union of two primitive lists without duplicates, ordered like upstream.
        static func primitiveUnion(_ original: [JSONValue], _ patch: [JSONValue]) -> [JSONValue] {
            var seen = Set<JSONValue>()
            var merged: [JSONValue] = []
            for element in original + patch where seen.insert(element).inserted {
                merged.append(element)
            }
            return reorder(merged, orderKeys: patch, serverKeys: original, identity: { $0 })
        }

        /// Orders `merged`: elements named in `orderKeys` follow that order; the others keep
        /// their relative order from `serverKeys`; the two runs are interleaved by server
        /// position where both are known, with patch elements going first otherwise.
        static func reorder(
            _ merged: [JSONValue],
            orderKeys: [JSONValue],
            serverKeys: [JSONValue],
            identity: (JSONValue) -> JSONValue?
        ) -> [JSONValue] {
            var orderIndex: [JSONValue: Int] = [:]
            for (i, k) in orderKeys.enumerated() where orderIndex[k] == nil { orderIndex[k] = i }
            var serverIndex: [JSONValue: Int] = [:]
            for (i, k) in serverKeys.enumerated() where serverIndex[k] == nil { serverIndex[k] = i }

            var patchItems: [(position: Int, element: JSONValue)] = []
            var serverOnly: [(position: Int, element: JSONValue)] = []
            for element in merged {
                let id = identity(element)
                if let id, let position = orderIndex[id] {
                    patchItems.append((position, element))
                } else {
                    serverOnly.append((id.flatMap { serverIndex[$0] } ?? Int.max, element))
                }
            }
            let sortedPatch = stableSorted(patchItems)
            let sortedServer = stableSorted(serverOnly)

            var out: [JSONValue] = []
            out.reserveCapacity(merged.count)
            var i = 0
            var j = 0
            while i < sortedServer.count || j < sortedPatch.count {
                if j >= sortedPatch.count {
                    out.append(sortedServer[i]); i += 1
                } else if i >= sortedServer.count {
                    out.append(sortedPatch[j]); j += 1
                } else {
                    let left = identity(sortedServer[i]).flatMap { serverIndex[$0] }
                    let right = identity(sortedPatch[j]).flatMap { serverIndex[$0] }
                    if let left, let right, left < right {
                        out.append(sortedServer[i]); i += 1
                    } else {
                        out.append(sortedPatch[j]); j += 1
                    }
                }
            }
            return out
        }

        private static func stableSorted(_ items: [(position: Int, element: JSONValue)]) -> [JSONValue] {
            items.enumerated()
                .sorted { a, b in
                    a.element.position != b.element.position ? a.element.position < b.element.position : a.offset < b.offset
                }
                .map { $0.element.element }
        }

        // MARK: - New values

        /// Prepares a patch value that is stored without merging: drops `null` members, directive
        /// keys and maps carrying `$patch`. Returns `nil` when the value itself is dropped.
        func clean(_ value: JSONValue, type: MergeType) -> JSONValue? {
            switch value {
            case .object(let members):
                switch type {
                case .unstructured:
                    return JSONMergePatch.apply(value, to: .null)
                case .scalar:
                    if members[StrategicMergePatch.directiveMarker] != nil { return nil }
                    return JSONMergePatch.apply(value, to: .null)
                default:
                    if members[StrategicMergePatch.directiveMarker] != nil { return nil }
                    return .object(cleanObject(members, type: type))
                }
            case .array(let items):
                switch type {
                case .unstructured, .scalar: return value
                default: return .array(cleanList(items, elementType: Self.elementType(of: type)))
                }
            default:
                return value
            }
        }

        func cleanObject(_ members: Object, type: MergeType) -> Object {
            var out = Object()
            let field = fields(of: type)
            for (key, value) in members {
                if case .null = value { continue }
                if StrategicMergePatch.isDirectiveKey(key) { continue }
                if let info = field(key) {
                    if let cleaned = clean(value, type: info.type) { out[key] = cleaned }
                } else {
                    out[key] = JSONMergePatch.apply(value, to: .null)
                }
            }
            return out
        }

        func cleanList(_ items: [JSONValue], elementType: MergeType) -> [JSONValue] {
            items.compactMap { clean($0, type: elementType) }
        }

        // MARK: - Errors

        private func checkType(_ value: JSONValue, _ type: MergeType, path: Path) throws(PatchError) {
            switch (type, value) {
            case (.object, .object), (.map, .object), (.array, .array):
                return
            case (.object, _), (.map, _):
                throw .typeMismatch(path: Merger.render(path), expected: "object", found: PatchText.typeName(value))
            case (.array, _):
                throw .typeMismatch(path: Merger.render(path), expected: "array", found: PatchText.typeName(value))
            default:
                return
            }
        }

        func invalid(_ path: Path, _ reason: String) -> PatchError {
            .invalidStrategicPatch(path: Merger.render(path), reason: reason)
        }

        func missingMergeKey(_ element: JSONValue, mergeKey: String, path: Path) -> PatchError {
            invalid(path, "map: \(PatchText.compact(element)) does not contain declared merge key: \(mergeKey)")
        }
    }
}
