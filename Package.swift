// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "codex-credential-helper",
    products: [
        .executable(name: "codex-credential-helper", targets: ["codex-credential-helper"]),
        .library(name: "CredentialCore", targets: ["CredentialCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libsecret (Secret Service over D-Bus): a modulemap and one shim header, nothing else.
        .systemLibrary(
            name: "CLibSecret",
            pkgConfig: "libsecret-1",
            providers: [.apt(["libsecret-1-dev", "libglib2.0-dev"])]
        ),
        // prctl and friends: C functions Swift cannot call (variadic).
        .target(name: "CSystemShims"),
        // The model, wire format, token rules and store protocol. No C, no Foundation.
        .target(name: "CredentialCore"),
        .target(name: "SecretServiceStore", dependencies: ["CredentialCore", "CLibSecret"]),
        // The encrypted-file fallback: AES-256-GCM sealed box, scrypt or a random key file.
        .target(
            name: "EncryptedFileStore",
            dependencies: [
                "CredentialCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "HelperCommands",
            dependencies: [
                "CredentialCore",
                "SecretServiceStore",
                "EncryptedFileStore",
                "CSystemShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "codex-credential-helper", dependencies: ["HelperCommands"]),

        // Test-only harness: private D-Bus sessions with a real gnome-keyring, subprocess runner.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "CredentialCoreTests", dependencies: ["CredentialCore"]),
        .testTarget(
            name: "EncryptedFileStoreTests", dependencies: ["EncryptedFileStore", "CredentialCore", "TestSupport"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "SecretServiceStoreTests", dependencies: ["SecretServiceStore", "CredentialCore", "TestSupport"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "EndToEndTests", dependencies: ["codex-credential-helper", "CredentialCore", "TestSupport"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
