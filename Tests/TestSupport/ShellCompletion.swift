import Foundation

/// The shell-completion scripts a tool writes (`TOOL --generate-completion-script SHELL`,
/// swift-argument-parser's generator printed by the tools' ToolMain), checked as a user would
/// meet them: the bash script sourced into bash and asked for completions.
public enum ShellCompletion {
    /// What is wrong with `tool`'s completion scripts: each of bash, zsh and fish must be printed
    /// with exit status 0 and name every one of `subcommands`; bash, asked to complete the first
    /// subcommand's first two letters, must offer it, and `SUBCOMMAND --thr` must complete to
    /// `--threads`. Empty when all holds.
    public static func problems(tool: String, subcommands: [String]) throws -> [String] {
        var problems: [String] = []
        for shell in ["bash", "zsh", "fish"] {
            let r = try CommandRunner.run(tool, ["--generate-completion-script", shell])
            if r.status != 0 { problems.append("\(shell): exit status \(r.status): \(r.stderr)") }
            for subcommand in subcommands where !r.stdout.contains(subcommand) {
                problems.append("\(shell): the script does not name \(subcommand)")
            }
        }
        guard let first = subcommands.first else { return problems }
        let offered = try bash(tool, [String(first.prefix(2))])
        if !offered.contains(first) { problems.append("bash offers \(offered) for '\(first.prefix(2))', not \(first)") }
        let threads = try bash(tool, [first, "--thr"])
        if threads != ["--threads"] { problems.append("bash offers \(threads) for '\(first) --thr', not --threads") }
        return problems
    }

    /// What bash offers (COMPREPLY) for the last of `words` typed after `tool`, with `tool`'s
    /// bash completion script sourced.
    public static func bash(_ tool: String, _ words: [String]) throws -> [String] {
        let script = TemporaryFiles.folder().appendingPathComponent("\(tool).bash").path
        try CommandRunner.run(tool, ["--generate-completion-script", "bash"]).stdout
            .write(toFile: script, atomically: true, encoding: .utf8)
        // $1 the script, $2 the command, then the words; calls the completion function as bash does.
        let driver = #"""
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            "_$1" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\n' "${COMPREPLY[@]}"
            """#
        let r = try CommandRunner.runPath("/bin/bash", ["-c", driver, "bash", script, tool] + words)
        return r.stdout.split(separator: "\n").map(String.init)
    }
}
