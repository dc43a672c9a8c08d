import KubeAPI

extension MachineInfo {
    /// `/proc/meminfo` as bytes by key (`MemTotal`, `MemAvailable`, `Inactive(file)`); values in
    /// `kB` are multiplied by 1024, bare numbers (`HugePages_Total`) are kept.
    public static func meminfo(_ text: String) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard let number = fields.first.flatMap({ Int64($0) }) else { continue }
            result[String(line[..<colon])] = fields.count > 1 && fields[1] == "kB" ? number * 1024 : number
        }
        return result
    }

    /// One `Key:\tvalue` line's value of a `/proc/PID/status` file.
    public static func statusValue(_ text: String, key: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return String(line.dropFirst(key.count + 1)).trimmed
        }
        return nil
    }

    /// The number of `processor` entries of `/proc/cpuinfo`.
    public static func cpuinfoProcessorCount(_ text: String) -> Int {
        text.split(separator: "\n").filter { line in
            let key = line.split(separator: ":", maxSplits: 1).first.map { String($0).trimmed }
            return key == "processor"
        }.count
    }

    /// The number of CPUs in a kernel CPU list (`0-3,6,8-9` → 7), as in `cpuset.cpus` and
    /// `/sys/devices/system/cpu/online`; 0 for malformed text.
    public static func cpuListCount(_ text: String) -> Int {
        var count = 0
        for part in text.trimmed.split(separator: ",") {
            let bounds = part.split(separator: "-")
            if bounds.count == 1, Int(bounds[0]) != nil {
                count += 1
            } else if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), high >= low {
                count += high - low + 1
            } else {
                return 0
            }
        }
        return count
    }

    /// One value of an os-release file (`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`), unquoted.
    public static func osReleaseValue(_ text: String, key: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + "=") {
            var value = String(line.dropFirst(key.count + 1)).trimmed
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }

    /// The Go name of a `uname -m` machine (`x86_64` → `amd64`, `aarch64` → `arm64`).
    public static func goArchitecture(_ machine: String) -> String {
        switch machine {
        case "x86_64": "amd64"
        case "aarch64", "arm64": "arm64"
        case "i386", "i486", "i586", "i686": "386"
        case let arm where arm.hasPrefix("armv"): "arm"
        case "": "amd64"
        default: machine
        }
    }

    /// A 32-hex-digit ID in the 8-4-4-4-12 form of a UUID; other text is returned unchanged.
    static func uuidForm(_ id: String) -> String {
        let characters = Array(id)
        guard characters.count == 32 else { return id }
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
