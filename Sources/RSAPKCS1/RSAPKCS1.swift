import COpenSSLCrypto

/// RSA encryption with PKCS#1 v1.5 padding, through the system OpenSSL (`EVP_PKEY_encrypt` with
/// `RSA_PKCS1_PADDING`): swift-crypto's public RSA API offers only OAEP, and a venue whose login
/// encrypts the password this way (Fundamental Interactions) needs exactly this. The padding and
/// the arithmetic are OpenSSL's, never ours.
///
/// Each call is microseconds (encryption) to milliseconds (generating a 1024-bit key for the
/// simulator); both run where they are called, which is acceptable at one login per connection.
public enum RSAPKCS1 {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The key is not a DER SubjectPublicKeyInfo of an RSA key.
        case invalidPublicKey
        /// The plaintext does not fit the key with PKCS#1 v1.5 padding (at most key size − 11 bytes).
        case plaintextTooLong(bytes: Int, max: Int)
        /// OpenSSL refused the operation; its error queue's first reason.
        case openSSL(String)

        public var description: String {
            switch self {
            case .invalidPublicKey: "not an RSA public key (DER SubjectPublicKeyInfo)"
            case .plaintextTooLong(let bytes, let max): "plaintext of \(bytes) bytes; the key takes at most \(max)"
            case .openSSL(let reason): "OpenSSL: \(reason)"
            }
        }
    }

    /// Encrypts `plaintext` for the holder of `publicKeyDER` (DER SubjectPublicKeyInfo).
    public static func encrypt(_ plaintext: [UInt8], publicKeyDER: [UInt8]) throws(Failure) -> [UInt8] {
        guard
            let key = publicKeyDER.withUnsafeBufferPointer({ buffer -> OpaquePointer? in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_PUBKEY(nil, &cursor, Int(buffer.count))
            })
        else {
            clearErrors()
            throw .invalidPublicKey
        }
        defer { EVP_PKEY_free(key) }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else { throw .invalidPublicKey }
        let size = Int(EVP_PKEY_get_size(key))
        guard plaintext.count <= size - 11 else { throw .plaintextTooLong(bytes: plaintext.count, max: size - 11) }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw lastError() }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_encrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1
        else { throw lastError() }
        var out = [UInt8](repeating: 0, count: size)
        var outLength = size
        let status = plaintext.withUnsafeBufferPointer { input in
            EVP_PKEY_encrypt(context, &out, &outLength, input.baseAddress, input.count)
        }
        guard status == 1 else { throw lastError() }
        return Array(out.prefix(outLength))
    }

    private static func lastError() -> Failure {
        let code = ERR_get_error()
        clearErrors()
        guard code != 0, let reason = ERR_reason_error_string(code) else { return .openSSL("unknown error") }
        return .openSSL(String(cString: reason))
    }

    private static func clearErrors() { ERR_clear_error() }
}

/// An RSA key pair held by the system OpenSSL: what a simulator of such a venue hands out (the
/// public half) and decrypts with.
public final class RSAKeyPair: @unchecked Sendable {
    // Immutable after init; OpenSSL's EVP_PKEY is safe for concurrent read-only use.
    private let key: OpaquePointer

    /// A fresh key of `bits` (e = 65537).
    public init(bits: Int) throws(RSAPKCS1.Failure) {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else { throw .openSSL("no RSA context") }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
            EVP_PKEY_keygen(context, &generated) == 1, let generated
        else {
            ERR_clear_error()
            throw .openSSL("RSA key generation failed")
        }
        key = generated
    }

    deinit { EVP_PKEY_free(key) }

    /// The public key as DER SubjectPublicKeyInfo.
    public var publicKeyDER: [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(key, &buffer)
        guard length > 0, let buffer else { return [] }
        defer { CRYPTO_free(buffer, #file, #line) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// The private key as PKCS#8 DER (tests hand it to the `openssl` command line).
    public var privateKeyDER: [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_PrivateKey(key, &buffer)
        guard length > 0, let buffer else { return [] }
        defer { CRYPTO_free(buffer, #file, #line) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// Decrypts a PKCS#1 v1.5 ciphertext made with the public half.
    public func decrypt(_ ciphertext: [UInt8]) throws(RSAPKCS1.Failure) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw .openSSL("no context") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_decrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1
        else {
            ERR_clear_error()
            throw .openSSL("decrypt init failed")
        }
        let size = Int(EVP_PKEY_get_size(key))
        var out = [UInt8](repeating: 0, count: size)
        var outLength = size
        let status = ciphertext.withUnsafeBufferPointer { input in
            EVP_PKEY_decrypt(context, &out, &outLength, input.baseAddress, input.count)
        }
        guard status == 1 else {
            ERR_clear_error()
            throw .openSSL("decryption failed")
        }
        return Array(out.prefix(outLength))
    }
}
