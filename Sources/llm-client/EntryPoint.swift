import ArgumentParser
import Foundation

/// Runs the root command and turns every error into an exit status, here and nowhere else:
/// a ``CommandFailure`` exits with its own status, a usage error with 2 (ArgumentParser's default
/// is 64), anything else as ArgumentParser reports it. (The one other exit is ``Interruption``'s
/// last resort, with the same status 130, when a run does not stop within 5 s of a second Ctrl-C.)
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
        } catch let failure as CommandFailure {
            if let message = failure.message { printError(message) }
            exit(failure.status.rawValue)
        } catch {
            let code = RootCommand.exitCode(for: error)
            if code == .validationFailure {
                printError(RootCommand.fullMessage(for: error))
                exit(CommandFailure.Status.badInput.rawValue)
            }
            RootCommand.exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
