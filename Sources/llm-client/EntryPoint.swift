import ArgumentParser
import Foundation

/// Runs the root command, mapping usage errors to exit status 2 (ArgumentParser's default is 64).
@main
enum EntryPoint {
    static func main() async {
        do {
            var command = try RootCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = RootCommand.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((RootCommand.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            RootCommand.exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
