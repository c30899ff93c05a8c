import ArgumentParser

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Mint and verify tokens.", subcommands: [TokenMintCommand.self, TokenVerifyCommand.self])
}
