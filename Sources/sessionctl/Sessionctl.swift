import ArgumentParser

/// Developer and operator CLI for Tessera: keys, JWKS, minting and verifying tokens.
@main
struct Sessionctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessionctl",
        abstract: "Tessera's command-line tool: keys, JWKS, and session tokens.",
        subcommands: [
            KeysCommand.self, JWKSCommand.self, TokenCommand.self, SessionsCommand.self, UsersCommand.self, TemplatesCommand.self,
            RevocationsCommand.self, SecretKeysCommand.self, TenantsCommand.self, AuditCommand.self, BackupCommand.self,
            CopyDatabaseCommand.self, DemoCommand.self,
        ]
    )
}
