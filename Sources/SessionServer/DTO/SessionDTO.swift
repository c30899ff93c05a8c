import SessionStorage
import SessionTokens

/// Clerk's `Session` object: timestamps in milliseconds, every required field present.
enum SessionDTO {
    static func json(_ session: Session) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var activity: JSONValue = .null
        if let recorded = session.activity {
            var object: JSONObject = [
                "object": .string("session_activity"), "id": .string("sess_activity_" + session.id.dropFirst(5)),
                "is_mobile": .bool(recorded.isMobile),
            ]
            if let value = recorded.deviceType { object["device_type"] = .string(value) }
            if let value = recorded.browserName { object["browser_name"] = .string(value) }
            if let value = recorded.browserVersion { object["browser_version"] = .string(value) }
            if let value = recorded.ipAddress { object["ip_address"] = .string(value) }
            if let value = recorded.city { object["city"] = .string(value) }
            if let value = recorded.country { object["country"] = .string(value) }
            activity = .object(object)
        }
        let actor: JSONValue = session.actor.flatMap { try? JSONParser.parse($0) } ?? .null
        return .object([
            "object": .string("session"),
            "id": .string(session.id),
            "user_id": .string(session.userID),
            "client_id": .string(session.clientID),
            "actor": actor,
            "status": .string(session.status.rawValue),
            "last_active_organization_id": text(session.lastActiveOrganizationID),
            "last_active_at": .integer(session.lastActiveAt),
            "latest_activity": activity,
            "expire_at": .integer(session.expireAt),
            "abandon_at": .integer(session.abandonAt),
            "updated_at": .integer(session.updatedAt),
            "created_at": .integer(session.createdAt),
            "tasks": .null,
        ])
    }
}

/// Clerk's `User` object with every field SDK 7.0.0 requires; features Tessera does not have
/// (passkeys, web3 wallets, external accounts, …) are present and empty.
enum UserDTO {
    static func json(_ user: User) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func object(_ text: String) -> JSONValue { (try? JSONParser.parse(text)) ?? .object([:]) }
        let emails: [JSONValue] = user.emailAddresses.map { email in
            .object([
                "id": .string(email.id), "object": .string("email_address"), "email_address": .string(email.emailAddress),
                "reserved": .bool(false), "verification": .null, "linked_to": .array([]),
                "created_at": .integer(user.createdAt), "updated_at": .integer(user.updatedAt),
            ])
        }
        let phones: [JSONValue] = user.phoneNumbers.map { phone in
            .object([
                "id": .string(phone.id), "object": .string("phone_number"), "phone_number": .string(phone.phoneNumber),
                "reserved": .bool(false), "verification": .null, "linked_to": .array([]),
                "created_at": .integer(user.createdAt), "updated_at": .integer(user.updatedAt),
            ])
        }
        return .object([
            "id": .string(user.id), "object": .string("user"), "external_id": text(user.externalID),
            "primary_email_address_id": text(user.primaryEmailAddressID), "primary_phone_number_id": text(user.primaryPhoneNumberID),
            "primary_web3_wallet_id": .null, "username": text(user.username), "first_name": text(user.firstName),
            "last_name": text(user.lastName), "has_image": .bool(user.imageURL != nil), "image_url": .string(user.imageURL ?? ""),
            "public_metadata": object(user.publicMetadata), "private_metadata": object(user.privateMetadata),
            "unsafe_metadata": object(user.unsafeMetadata), "email_addresses": .array(emails), "phone_numbers": .array(phones),
            "web3_wallets": .array([]), "passkeys": .array([]), "password_enabled": .bool(false),
            "two_factor_enabled": .bool(user.twoFactorEnabled), "totp_enabled": .bool(false), "backup_code_enabled": .bool(false),
            "mfa_enabled_at": .null, "mfa_disabled_at": .null, "external_accounts": .array([]), "saml_accounts": .array([]),
            "enterprise_accounts": .array([]), "last_sign_in_at": .null, "banned": .bool(false), "locked": .bool(false),
            "lockout_expires_in_seconds": .null, "verification_attempts_remaining": .null,
            "updated_at": .integer(user.updatedAt), "created_at": .integer(user.createdAt), "delete_self_enabled": .bool(true),
            "create_organization_enabled": .bool(true), "last_active_at": .null, "legal_accepted_at": .null,
        ])
    }
}

/// Clerk's `JWTTemplate`: never the signing key itself.
enum TemplateDTO {
    static func json(_ template: JWTTemplateRecord) -> JSONValue {
        .object([
            "object": .string("jwt_template"), "id": .string(template.id), "name": .string(template.name),
            "claims": (try? JSONParser.parse(template.claims)) ?? .object([:]), "lifetime": .integer(template.lifetime),
            "allowed_clock_skew": .integer(template.allowedClockSkew), "custom_signing_key": .bool(template.customSigningKey != nil),
            "signing_algorithm": .string(template.signingAlgorithm), "created_at": .integer(template.createdAt),
            "updated_at": .integer(template.updatedAt),
        ])
    }
}
