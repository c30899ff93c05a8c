@testable import SessionDevices
import Testing

@Test func smoke() {
    let parser = DeviceParser()
    for ua in ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "curl/8.5.0", ""] {
        print(parser.parse(userAgent: ua), UAPCoreParser.shared.parse(ua))
    }
}
