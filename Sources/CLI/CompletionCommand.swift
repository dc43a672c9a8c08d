import ArgumentParser

/// `k3s completion bash|zsh|fish`: prints the shell completion script for `k3s`.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script (bash, zsh or fish).",
        discussion: "For example: k3s completion bash > /etc/bash_completion.d/k3s"
    )

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else {
            throw ValidationError("unsupported shell \(shell): bash, zsh or fish")
        }
        print(K3s.completionScript(for: kind))
    }
}
