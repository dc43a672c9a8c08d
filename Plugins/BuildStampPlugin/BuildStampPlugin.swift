import Foundation
import PackagePlugin

/// Stamps the target it is applied to with how the binary was built: before every build it runs
/// `scripts/build-stamp.sh`, which writes `BuildStamp.swift` (the git commit, the tree state and
/// the build date) into the plugin's work directory; SwiftPM compiles it into the target.
///
/// The script rewrites the file only when the commit or the tree's contents changed, so a build
/// of an unchanged tree recompiles nothing. `K3S_GIT_COMMIT`, `K3S_GIT_TREE_STATE` and
/// `SOURCE_DATE_EPOCH` are passed through for builds outside a git checkout.
@main
struct BuildStampPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "stamp")
        let script = context.package.directoryURL.appending(path: "scripts/build-stamp.sh")
        var environment: [String: String] = [:]
        for name in ["K3S_GIT_COMMIT", "K3S_GIT_TREE_STATE", "SOURCE_DATE_EPOCH", "PATH"] {
            if let value = ProcessInfo.processInfo.environment[name] { environment[name] = value }
        }
        return [
            .prebuildCommand(
                displayName: "Stamping \(target.name) with its git commit and build date",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, context.package.directoryURL.path, output.appending(path: "BuildStamp.swift").path],
                environment: environment,
                outputFilesDirectory: output
            )
        ]
    }
}
