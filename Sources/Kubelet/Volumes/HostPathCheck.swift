/// The `type` checks of hostPath volumes: `""` checks nothing, `DirectoryOrCreate` and
/// `FileOrCreate` make what is missing, the others require an existing object of their kind.
public enum HostPathCheck {
    /// Checks (or creates) `path` for `type`.
    /// - Throws: ``PodConfigError`` (`hostPath type check failed: PATH is not a directory`).
    public static func check(_ path: String, type: String?) throws(PodConfigError) {
        let kind = NodeFiles.kind(path)
        func require(_ wanted: NodeFiles.Kind, _ noun: String) throws(PodConfigError) {
            guard kind == wanted else { throw PodConfigError("hostPath type check failed: \(path) is not a \(noun)") }
        }
        switch type ?? "" {
        case "":
            return
        case "DirectoryOrCreate":
            if kind == .missing {
                try NodeFiles.makeDirectory(path, mode: 0o755)
                return
            }
            try require(.directory, "directory")
        case "Directory":
            try require(.directory, "directory")
        case "FileOrCreate":
            if kind == .missing {
                try NodeFiles.write([], to: path, mode: 0o644)
                return
            }
            try require(.file, "file")
        case "File":
            try require(.file, "file")
        case "Socket":
            try require(.socket, "socket file")
        case "CharDevice":
            try require(.characterDevice, "character device")
        case "BlockDevice":
            try require(.blockDevice, "block device")
        default:
            throw PodConfigError("hostPath type check failed: unknown type \(type ?? "")")
        }
    }
}
