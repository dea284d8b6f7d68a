import ArgumentParser

extension SingleValueParsingStrategy {
    /// For numeric options: the word after the option is its value even when it starts with `-`,
    /// so `--epochs -3` reaches the command's `validate()` ("--epochs must be at least 1, got -3")
    /// instead of being read as an option name ("Missing value for '--epochs'").
    ///
    /// The same as `.unconditional`: an option name that follows is taken as the value and
    /// rejected as a number (`--epochs --seed 3` → "The value '--seed' is invalid for '--epochs'").
    ///
    /// ```swift
    /// @Option(parsing: .signedNumber, help: "Last epoch.") var epochs = 200
    /// ```
    public static var signedNumber: SingleValueParsingStrategy { .unconditional }
}
