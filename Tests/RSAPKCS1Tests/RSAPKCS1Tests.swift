import Foundation
import RSAPKCS1
import Testing

/// Checked against the `openssl` command line (installed by scripts/install-deps), not against
/// our own code: what we encrypt, `openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:pkcs1`
/// decrypts, and what it encrypts for our key, we decrypt.
@Suite("RSA PKCS#1 v1.5 through the system OpenSSL")
struct RSAPKCS1Tests {
    static let password = Array("s3cret pässword, 30 chars long".utf8)

    /// Runs `openssl` with `arguments` in `directory`; its standard output.
    func openssl(_ arguments: [String], in directory: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: ["openssl": arguments.joined(separator: " ")])
        }
        return data
    }

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsa-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("what we encrypt for a 1024-bit key, openssl decrypts with PKCS#1 v1.5 padding")
    func opensslDecryptsOurs() throws {
        let key = try RSAKeyPair(bits: 1024)
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(key.privateKeyDER).write(to: directory.appendingPathComponent("key.der"))
        for round in 0..<2 {
            let ciphertext = try RSAPKCS1.encrypt(Self.password, publicKeyDER: key.publicKeyDER)
            #expect(ciphertext.count == 128, "an RSA-1024 ciphertext is 128 bytes")
            try Data(ciphertext).write(to: directory.appendingPathComponent("c\(round).bin"))
            let plaintext = try openssl(
                [
                    "pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER", "-pkeyopt",
                    "rsa_padding_mode:pkcs1", "-in", "c\(round).bin",
                ], in: directory)
            #expect(Array(plaintext) == Self.password)
        }
        // PKCS#1 v1.5 padding is random: the same password never encrypts twice the same way.
        let c0 = try Data(contentsOf: directory.appendingPathComponent("c0.bin"))
        let c1 = try Data(contentsOf: directory.appendingPathComponent("c1.bin"))
        #expect(c0 != c1)
    }

    @Test("what openssl encrypts for our public key with PKCS#1 v1.5 padding, we decrypt")
    func weDecryptOpenssls() throws {
        let key = try RSAKeyPair(bits: 1024)
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(key.publicKeyDER).write(to: directory.appendingPathComponent("pub.der"))
        try Data(Self.password).write(to: directory.appendingPathComponent("p.txt"))
        let ciphertext = try openssl(
            [
                "pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.der", "-keyform", "DER", "-pkeyopt",
                "rsa_padding_mode:pkcs1", "-in", "p.txt",
            ], in: directory)
        #expect(try key.decrypt(Array(ciphertext)) == Self.password)
        // The public key openssl reads back is the one we hand out: an RSA SubjectPublicKeyInfo.
        let text = try openssl(
            ["pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-noout", "-text"], in: directory)
        #expect(String(decoding: text, as: UTF8.self).contains("Public-Key: (1024 bit)"))
    }

    @Test("a key that is not an RSA SubjectPublicKeyInfo, and a plaintext too long for the key, are typed errors")
    func refusals() throws {
        #expect(throws: RSAPKCS1.Failure.invalidPublicKey) {
            try RSAPKCS1.encrypt(Self.password, publicKeyDER: Array(repeating: 0x30, count: 162))
        }
        #expect(throws: RSAPKCS1.Failure.invalidPublicKey) { try RSAPKCS1.encrypt(Self.password, publicKeyDER: []) }
        let key = try RSAKeyPair(bits: 1024)
        #expect(throws: RSAPKCS1.Failure.plaintextTooLong(bytes: 118, max: 117)) {
            try RSAPKCS1.encrypt(Array(repeating: 0x41, count: 118), publicKeyDER: key.publicKeyDER)
        }
        #expect(throws: RSAPKCS1.Failure.self) { try key.decrypt(Array(repeating: 1, count: 128)) }
    }
}
