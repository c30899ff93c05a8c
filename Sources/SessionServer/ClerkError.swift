import HTTPTypes
import Hummingbird
import SessionManagement
import SessionTokens

/// An error as Clerk's Backend API renders it: `{"errors":[{"message","long_message","code","meta"?}]}`,
/// every field present so Clerk's SDKs parse it as `ClerkErrors`.
struct ClerkError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var longMessage: String
    var meta: JSONObject?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, _ longMessage: String? = nil, meta: JSONObject? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.longMessage = longMessage ?? message
        self.meta = meta
    }

    var response: Response {
        var error: JSONObject = ["message": .string(message), "long_message": .string(longMessage), "code": .string(code)]
        if let meta { error["meta"] = .object(meta) }
        return JSONResponse.make(.object(["errors": .array([.object(error)])]), status: status)
    }

    static let invalidKey = ClerkError(
        .unauthorized, "clerk_key_invalid", "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.")
    static let headerFormat = ClerkError(
        .unauthorized, "authorization_header_format_invalid", "Invalid Authorization header format",
        "Must be 'Bearer <YOUR_API_KEY>'")

    static let verifierKeyScope = ClerkError(
        .forbidden, "authorization_invalid", "Unauthorized request",
        "A verifier key (vk_…) may only read GET /v1/revocations and GET /v1/jwks; use a secret key (sk_…) for this request.")

    /// Clerk's 429, with `Retry-After` in whole seconds (at least 1).
    static func tooManyRequests(retryAfter: Int) -> Response {
        var response = ClerkError(
            .tooManyRequests, "too_many_requests", "Too many requests", "Too many requests, retry after \(retryAfter) seconds."
        ).response
        response.headers[.retryAfter] = String(max(1, retryAfter))
        return response
    }

    static func notFound(_ message: String, _ longMessage: String) -> ClerkError {
        ClerkError(.notFound, "resource_not_found", message, longMessage)
    }

    static func invalidParameter(_ name: String, _ reason: String) -> ClerkError {
        ClerkError(.unprocessableContent, "form_param_format_invalid", "is invalid", reason, meta: ["param_name": .string(name)])
    }

    static func invalidBody(_ reason: String) -> ClerkError {
        ClerkError(.badRequest, "request_body_invalid", "Request body invalid", reason)
    }

    /// Clerk's answer when another user of the instance has the email address, username or phone number.
    static func identifierTaken(_ parameter: String?) -> ClerkError? {
        let noun = switch parameter {
        case "email_address": "email address"
        case "username": "username"
        case "phone_number": "phone number"
        default: String?.none
        }
        guard let noun, let parameter else { return nil }
        let message = "That \(noun) is taken. Please try another."
        return ClerkError(.unprocessableContent, "form_identifier_exists", message, message, meta: ["param_name": .string(parameter)])
    }

    /// Use-case errors in Clerk's codes and statuses.
    init(_ error: ManagementError) {
        switch error.code {
        case .unauthenticated: self = .invalidKey
        case .notFound:
            let short = switch error.resource {
            case .session: "Session not found"
            case .template: "JWT template not found"
            case .client: "Client not found"
            default: "not found"
            }
            self = .notFound(short, error.reason)
        case .invalidParameter:
            self = .invalidParameter(error.parameter ?? "request", error.reason)
        case .forbiddenInEnvironment:
            self = ClerkError(.badRequest, "request_invalid_for_environment", "Invalid request for environment", error.reason)
        case .sessionNotActive:
            self = ClerkError(.badRequest, "session_not_active", "Session is not active", error.reason)
        case .reservedClaim:
            self = ClerkError(.badRequest, "jwt_template_reserved_claim", "reserved claim used", error.reason)
        case .invalidTemplate:
            self = ClerkError(.unprocessableContent, "jwt_template_invalid", "JWT template is invalid", error.reason)
        case .tokenTooLarge:
            self = ClerkError(.unprocessableContent, "jwt_too_large", "The token would be too large", error.reason)
        case .conflict:
            self = Self.identifierTaken(error.parameter) ?? ClerkError(.unprocessableContent, "form_identifier_exists", "That value is taken", error.reason)
        default:
            self = ClerkError(.internalServerError, "internal_clerk_error", "Oops, an unexpected error occurred", error.reason)
        }
    }
}

/// JSON responses written with our own writer: every success is 200 `application/json`.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.serialize(value))))
    }
}
