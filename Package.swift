// swift-tools-version:6.0
import Foundation
import PackageDescription

/// `pkg-config --cflags PACKAGE`: libsecret's and GLib's header directories wherever the distribution keeps them
/// (Debian's and Ubuntu's multiarch directories, Fedora's lib64). Only the flags: a systemLibrary target would also
/// put -lsecret-1 and GLib on the executable's link line, and the binary loads them with dlopen instead. Without
/// pkg-config or libsecret-1-dev the C target fails to compile on its #include, which names what is missing.
func pkgConfigCFlags(_ package: String) -> [String] {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pkg-config", "--cflags", package]
    process.standardOutput = output
    guard (try? process.run()) != nil else { return [] }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return [] }
    // -pthread is a linker concern here (and refused by SwiftPM in unsafeFlags of a C target).
    return String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        .map(String.init).filter { $0 != "-pthread" }
}

/// A member of a module is visible only in a file that imports that module, so that no file calls into full
/// Foundation (which TOMLKit imports, and which the release build leaves out: NO_FOUNDATION in the Makefile) by
/// accident, as one `replacingOccurrences` call did.
let ownSettings: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

/// glibc's checked string and memory functions in our C, as Debian builds C (`_FORTIFY_SOURCE` needs optimisation).
let fortify = CSetting.define("_FORTIFY_SOURCE", to: "2", .when(configuration: .release))

let package = Package(
    name: "codex-credential-helper",
    products: [
        .executable(name: "codex-credential-helper", targets: ["codex-credential-helper"]),
        .library(name: "CredentialCore", targets: ["CredentialCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // The Secret Service client: libsecret's asynchronous API on a private main context, every call bounded by
        // the command's deadline. libsecret is loaded with dlopen at the first keyring call, so that a command that
        // never touches the keyring loads, relocates and initialises no GLib. Its Swift-facing header has no GLib in
        // it.
        .target(name: "CLibSecret", cSettings: [.unsafeFlags(pkgConfigCFlags("libsecret-1")), fortify]),
        // prctl, keyctl, Unix sockets and friends: C functions Swift cannot call (variadic) or structures it cannot
        // build easily.
        .target(name: "CSystemShims", cSettings: [fortify]),
        // The model, wire format, token rules and store protocol. No C of its own; SHA-256 from swift-crypto, Codex's
        // config.toml read and edited with TOMLKit (toml++); the release build leaves out the full Foundation that
        // TOMLKit imports (NO_FOUNDATION in the Makefile; measured in README).
        .target(
            name: "CredentialCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: ownSettings),
        .target(
            name: "SecretServiceStore",
            dependencies: [
                "CredentialCore", "CLibSecret",
            ],
            swiftSettings: ownSettings),
        // The encrypted-file fallback: AES-256-GCM sealed box, scrypt or a random key file.
        .target(
            name: "EncryptedFileStore",
            dependencies: [
                "CredentialCore",
                "CSystemShims",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: ownSettings
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
            swiftSettings: ownSettings
        ),
        .executableTarget(
            name: "codex-credential-helper", dependencies: ["HelperCommands"], swiftSettings: ownSettings,
            // Start-up: no exported symbols (the Swift driver exports the program's own 8,900, which nothing loads
            // against); and the parts of libstdc++ the Swift runtime uses linked in, rather than the shared library
            // loaded and relocated at every start. Not packed relative relocations (DT_RELR): they saved 0.1-0.4 ms
            // of a file `get` but need glibc 2.36, and Ubuntu 22.04 (a common CI runner) has 2.35 (see README).
            linkerSettings: [.unsafeFlags([
                "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
                // libstdc++ linked statically (see the linker script in that directory).
                "-L\(Context.packageDirectory)/contrib/linker/static-libstdc++",
            ])]),

        // Test-only harness: private D-Bus sessions with a real gnome-keyring, subprocess runner.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "CredentialCoreTests", dependencies: ["CredentialCore"]),
        .testTarget(
            name: "HelperCommandsTests",
            dependencies: ["HelperCommands", "CredentialCore", "EncryptedFileStore",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "EncryptedFileStoreTests", dependencies: ["EncryptedFileStore", "CredentialCore", "TestSupport"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "SecretServiceStoreTests",
            dependencies: ["SecretServiceStore", "CredentialCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "EndToEndTests", dependencies: ["codex-credential-helper", "CredentialCore", "TestSupport", "CSystemShims"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
