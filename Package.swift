// swift-tools-version:6.0
import PackageDescription

// libsecret's and GLib's header directories (what `pkg-config --cflags libsecret-1` prints on Debian and Ubuntu).
// Not pkg-config itself: a systemLibrary target would also put -lsecret-1 and GLib on the link line, and the binary
// loads them with dlopen instead (see Sources/CLibSecret/include/ccs_shim.h).
let libsecretIncludes = ["/usr/include/libsecret-1", "/usr/include/glib-2.0"]
    .map { "-I" + $0 }
    + ["x86_64", "aarch64", "arm", "i386", "powerpc64le", "s390x", "riscv64"].map {
        "-I/usr/lib/\($0)-linux-gnu\($0 == "arm" ? "eabihf" : "")/glib-2.0/include"
    }

/// For Swift modules that import CLibSecret, or import (with testing enabled) a module that does.
let libsecretSwiftSettings: [SwiftSetting] = [.unsafeFlags(libsecretIncludes.flatMap { ["-Xcc", $0] })]

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
        // libsecret, for the keyring's prompts, loaded with dlopen only when one must run (the Secret Service calls
        // go over the helper's own D-Bus connection, SecretServiceStore/DBusConnection.swift), so that no command
        // loads, relocates or initialises GLib otherwise; and the session's Diffie-Hellman. Its headers come from
        // libsecret-1-dev and libglib2.0-dev; nothing of theirs is linked.
        .target(name: "CLibSecret", cSettings: [.unsafeFlags(libsecretIncludes)]),
        // prctl, keyctl, Unix sockets and friends: C functions Swift cannot call (variadic) or structures it cannot
        // build easily.
        .target(name: "CSystemShims"),
        // The model, wire format, token rules and store protocol. No C, no Foundation.
        .target(name: "CredentialCore"),
        .target(
            name: "SecretServiceStore",
            dependencies: [
                "CredentialCore", "CLibSecret", "CSystemShims",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: libsecretSwiftSettings),
        // The encrypted-file fallback: AES-256-GCM sealed box, scrypt or a random key file.
        .target(
            name: "EncryptedFileStore",
            dependencies: [
                "CredentialCore",
                "CSystemShims",
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
            ],
            swiftSettings: libsecretSwiftSettings
        ),
        .executableTarget(
            name: "codex-credential-helper", dependencies: ["HelperCommands"], swiftSettings: libsecretSwiftSettings,
            // Start-up: lld with packed relative relocations (DT_RELR, glibc 2.36+) keeps the binary position-
            // independent while its 47,000 relative relocations take 9 KB instead of 1.1 MB that the loader reads at
            // every start; and no exported symbols (the Swift driver exports the program's own 8,900, which nothing
            // loads against); and the parts of libstdc++ the Swift runtime uses linked in, rather than the shared
            // library loaded and relocated at every start.
            linkerSettings: [.unsafeFlags([
                "-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/contrib/linker/symbol-order.txt",
                "-Xlinker", "--no-warn-symbol-ordering",
                // libstdc++ linked statically (see the linker script in that directory).
                "-L\(Context.packageDirectory)/contrib/linker/static-libstdc++",
            ])]),

        // Test-only harness: private D-Bus sessions with a real gnome-keyring, subprocess runner.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "CredentialCoreTests", dependencies: ["CredentialCore"]),
        .testTarget(
            name: "HelperCommandsTests",
            dependencies: ["HelperCommands", "CredentialCore", "EncryptedFileStore",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: libsecretSwiftSettings),
        .testTarget(
            name: "EncryptedFileStoreTests", dependencies: ["EncryptedFileStore", "CredentialCore", "TestSupport"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "SecretServiceStoreTests",
            dependencies: ["SecretServiceStore", "CredentialCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.swiftLanguageMode(.v5)] + libsecretSwiftSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["codex-credential-helper", "CredentialCore", "TestSupport", "CSystemShims"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
