import NetOverlay
import Synchronization

/// A ``LinkCommandRunner`` that records every command and answers from canned output: reads
/// (`-json`) get the output registered for their exact command line (an empty JSON array when
/// none is), `-details ... show dev X` of an unregistered device fails as iproute2 does ("does
/// not exist"), writes succeed with no output.
final class RecordingRunner: LinkCommandRunner {
    private let state = Mutex<(commands: [LinkCommand], outputs: [String: String], failures: Set<String>)>(([], [:], []))

    /// Answers `line` (`ip -4 -json route show dev flannel.1`) with `output`.
    func answer(_ line: String, with output: String) {
        state.withLock { $0.outputs[line] = output }
    }

    /// Makes `line` fail.
    func fail(_ line: String) {
        state.withLock { _ = $0.failures.insert(line) }
    }

    /// Every command run so far.
    var commands: [LinkCommand] { state.withLock { $0.commands } }

    /// The commands that change state (not reads), as `description`s.
    var writes: [String] { commands.filter { !$0.arguments.contains("-json") }.map(\.description) }

    func reset() {
        state.withLock { $0.commands = [] }
    }

    func run(_ command: LinkCommand) async throws -> String {
        let line = ([command.tool.rawValue] + command.arguments).joined(separator: " ")
        return try state.withLock { state in
            state.commands.append(command)
            if state.failures.contains(line) {
                throw LinkCommandError(command: command, status: 1, standardError: "injected failure")
            }
            if let output = state.outputs[line] { return output }
            if command.arguments.contains("-details") {
                throw LinkCommandError(command: command, status: 1, standardError: "Device \"\(command.arguments.last ?? "")\" does not exist.")
            }
            return command.arguments.contains("-json") ? "[]" : ""
        }
    }
}
