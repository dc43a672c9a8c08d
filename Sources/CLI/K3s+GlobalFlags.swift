import ArgumentParser

extension K3s {
    /// The commands that take the logging flags, with how many words name them
    /// (`server`, `certificate rotate`).
    static let commandsWithLogging: [String: Int] = [
        "server": 1, "agent": 1, "certificate": 2, "etcd-snapshot": 2, "datastore": 2,
    ]

    /// K3s takes its logging flags before the command too (`k3s --debug server`): leading
    /// `--debug`, `--alsologtostderr`, `--log FILE` / `-l FILE` / `--log=FILE` are moved after
    /// the command's name, where its options are parsed. Arguments of other commands are left
    /// as they are (`k3s kubectl ...` passes everything through).
    static func movingGlobalFlags(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--debug" || argument == "--alsologtostderr" || argument.hasPrefix("--log=") {
                leading.append(argument)
                index += 1
            } else if argument == "--log" || argument == "-l", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count, let words = commandsWithLogging[arguments[index]] else { return arguments }
        var end = index + 1
        if words == 2, end < arguments.count, !arguments[end].hasPrefix("-") { end += 1 }
        return Array(arguments[index..<end]) + leading + Array(arguments[end...])
    }

    /// Parses the command line (global logging flags moved into place) and runs the command.
    static func main() async {
        do {
            var command = try parseAsRoot(movingGlobalFlags(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
