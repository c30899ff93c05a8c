/// A start that cannot go on for a reason outside the command line (the address is taken): printed
/// as `Error: <reason>` without the usage text that a `ValidationError` brings, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
