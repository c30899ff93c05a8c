import Hummingbird
@testable import SessionServer
import Testing

/// `Authorization: Bearer <credential>`: the scheme in any casing, one space, one credential with no space in it.
@Suite struct BearerCredentialTests {
    @Test(arguments: [
        ("Bearer sk_test_abc", "sk_test_abc"), ("bearer sk_test_abc", "sk_test_abc"), ("BEARER x", "x"), ("BeArEr vk_1", "vk_1"),
    ])
    func accepted(header: String, credential: String) {
        #expect(Request.bearerCredential(in: header) == credential)
    }

    @Test(arguments: [
        "Bearer", "Bearer ", "Bearer  sk_test_abc", "Bearer sk_test abc", "Bearer sk_test_abc ", "Bearer\tsk_test_abc", "Basic dXNlcjpwdw==",
        "Bearersk_test_abc", "Bearez sk", "Bearer\u{0}sk", "B", "", "Béarer sk", "Bearer\u{A0}sk",
    ])
    func refused(header: String) {
        #expect(Request.bearerCredential(in: header) == nil)
    }
}
