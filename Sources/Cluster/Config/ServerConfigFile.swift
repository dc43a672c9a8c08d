/// Reads K3s config files: the main file and its drop-in directory (`FILE.d/*.yaml`,
/// `*.yml`, in name order), as K3s does.
public enum ServerConfigFile {
    /// The entries of `path` and its drop-ins, main file first. When `mustExist` is false a
    /// missing file (and no drop-ins) yields no entries.
    public static func read(path: String, mustExist: Bool) throws(ConfigFileError) -> [ConfigEntry] {
        let dropInDirectory = path + ".d"
        let dropIns = FileSystem.contents(ofDirectory: dropInDirectory)
            .filter { let lower = $0.lowercased(); return lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") }
            .map { dropInDirectory + "/" + $0 }
            .filter { !FileSystem.isDirectory($0) }
        var entries: [ConfigEntry] = []
        let main: String?
        do {
            main = try FileSystem.readTextFile(path)
        } catch {
            throw ConfigFileError(file: path, line: 0, reason: error.description)
        }
        if let main {
            entries += try ConfigFileParser(file: path).parse(main)
        } else if mustExist && dropIns.isEmpty {
            throw ConfigFileError(file: path, line: 0, reason: "no such file")
        }
        for file in dropIns {
            let text: String?
            do {
                text = try FileSystem.readTextFile(file)
            } catch {
                throw ConfigFileError(file: file, line: 0, reason: error.description)
            }
            entries += try ConfigFileParser(file: file).parse(text ?? "")
        }
        return entries
    }
}
