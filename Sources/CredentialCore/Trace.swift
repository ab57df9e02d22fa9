#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--verbose` (or `CODEX_CREDENTIAL_TRACE=1`): a trace of what the helper does, on stderr, for debugging.
///
/// Nothing secret is passed to the trace by design; as a second line of defence, every token, key or passphrase the
/// process handles is registered with `redact`, and any occurrence of one in a trace line is replaced with
/// `<redacted>` (as Git Credential Manager's trace redacts secrets unless told otherwise).
public final class Trace: @unchecked Sendable {
    public static let shared = Trace()

    private var lock = pthread_mutex_t()
    private var sink: (any ByteWriter)?
    private var secrets: [String] = []
    private let start: Int64

    private init() {
        pthread_mutex_init(&lock, nil)
        start = Trace.monotonicMicroseconds()
    }

    public var isEnabled: Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return sink != nil
    }

    public func enable(writingTo sink: any ByteWriter) {
        pthread_mutex_lock(&lock)
        self.sink = sink
        pthread_mutex_unlock(&lock)
    }

    /// Registers a secret so that it can never appear in a trace line.
    public func redact(_ secret: String) {
        guard secret.utf8.count >= 4 else { return }
        pthread_mutex_lock(&lock)
        if !secrets.contains(secret) { secrets.append(secret) }
        pthread_mutex_unlock(&lock)
    }

    /// `text` with every registered secret replaced by `<redacted>`: for trace lines, and for any other message
    /// built from input the helper does not control (an argument parser's error repeats the arguments).
    public func redacted(_ text: String) -> String {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return redactedLocked(text)
    }

    private func redactedLocked(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "<redacted>")
        }
        return text
    }

    /// Writes one line, when tracing is on. The message is only built when it is.
    public func log(_ message: @autoclosure () -> String) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard let sink else { return }
        let text = redactedLocked(message())
        let elapsed = Double(Trace.monotonicMicroseconds() - start) / 1000
        let rounded = (elapsed * 10).rounded() / 10
        sink.write(Array("codex-credential-helper[trace] +\(rounded)ms \(text)\n".utf8))
    }

    /// Milliseconds on the monotonic clock, for timings in trace lines.
    public static func monotonicMilliseconds() -> Int64 { monotonicMicroseconds() / 1000 }

    static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}

extension StringProtocol {
    fileprivate func split(separator: String, omittingEmptySubsequences: Bool) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.range(of: separator) {
            parts.append(Substring(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(Substring(rest))
        return parts
    }

    fileprivate func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
