// Writes to a SQLiteDatastore as fast as it can until it is killed, printing one line per
// acknowledged write: "<key> <revision>". The crash-recovery test kills it at a random moment and
// checks that every acknowledged write survived.
//
// Usage: DatastoreCrashWriter <database path> <run id> [writers]
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Datastore

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    let usage = "usage: DatastoreCrashWriter <database path> <run id> [writers]\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
let path = arguments[1]
let run = arguments[2]
let writers = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8

/// Writes a whole line with one `write(2)`, so concurrent lines never interleave and nothing
/// sits in a buffer when the process is killed.
func acknowledge(_ key: String, _ revision: Int64) {
    let line = "\(key) \(revision)\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}

let store: SQLiteDatastore
do {
    store = try SQLiteDatastore(configuration: .init(path: path))
} catch {
    let message = "cannot open \(path): \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

await withTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            var index = 0
            while true {
                let key = "/registry/crash/\(run)/w\(writer)/k\(index)"
                index += 1
                do {
                    var revision = try await store.create(key: key, value: Array("\(key)@create".utf8))
                    acknowledge(key, revision)
                    for step in 1...2 {
                        revision = try await store.update(key: key, value: Array("\(key)@update\(step)".utf8), expectedRevision: revision)
                        acknowledge(key, revision)
                    }
                } catch {
                    let message = "write failed: \(error)\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    exit(1)
                }
            }
        }
    }
}
