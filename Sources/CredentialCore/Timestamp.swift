#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A point in time, whole seconds since the Unix epoch, UTC. Written as RFC 3339 (`2026-12-31T23:59:59Z`).
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(secondsSinceEpoch: Int64(spec.tv_sec))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public func adding(seconds: Int64) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// RFC 3339 in UTC, whole seconds: `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String {
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let secondOfDay = secondsSinceEpoch - days * 86_400
        let (year, month, day) = Timestamp.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    /// The date part alone, for messages: `2026-12-31`.
    public var dateString: String { String(rfc3339.prefix(10)) }

    public var description: String { rfc3339 }

    /// Parses RFC 3339 (`2026-12-31T23:59:59Z`, `…+02:00`, fractional seconds dropped) or a bare date
    /// (`2026-12-31`, meaning its first second, UTC). Returns nil for anything else.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= b.count else { return nil }
            var value: Int64 = 0
            for i in range {
                guard (0x30...0x39).contains(b[i]) else { return nil }
                value = value * 10 + Int64(b[i] - 0x30)
            }
            return value
        }
        guard b.count >= 10, let year = number(0..<4), b[4] == UInt8(ascii: "-"), let month = number(5..<7),
            b[7] == UInt8(ascii: "-"), let day = number(8..<10), (1...12).contains(month),
            day >= 1, day <= Timestamp.daysIn(month: month, year: year)
        else { return nil }
        let days = Timestamp.days(fromCivil: year, month, day)
        if b.count == 10 {
            self.init(secondsSinceEpoch: days * 86_400)
            return
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), let hour = number(11..<13),
            b[13] == UInt8(ascii: ":"), let minute = number(14..<16), b[16] == UInt8(ascii: ":"),
            let second = number(17..<19), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, (0x30...0x39).contains(b[index]) { index += 1 }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset: Int64 = 0
        if b[index] == UInt8(ascii: "Z") || b[index] == UInt8(ascii: "z") {
            index += 1
        } else if b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-") {
            let sign: Int64 = b[index] == UInt8(ascii: "+") ? 1 : -1
            guard let offsetHours = number(index + 1..<index + 3), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"),
                let offsetMinutes = number(index + 4..<index + 6), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        self.init(secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A time left, as a person reads it: "in 30 days" (to the nearest day from two days on), "in 5 hours", "in 12
/// minutes", "in under a minute".
public func timeLeftText(_ seconds: Int64) -> String {
    func plural(_ count: Int64, _ unit: String) -> String { "in \(count) \(unit)\(count == 1 ? "" : "s")" }
    if seconds >= 2 * 86_400 { return plural((seconds + 43_200) / 86_400, "day") }
    if seconds >= 2 * 3600 { return plural((seconds + 1800) / 3600, "hour") }
    if seconds >= 60 { return plural(seconds / 60, "minute") }
    return "in under a minute"
}

/// A length of time written as the dashboard offers it: `12h`, `30d`, `90d`, `2w`, or combined (`1d12h`). The units
/// are s, min, h, d and w; a bare `m` is refused, since people read it as minutes or as months.
public enum DurationText {
    /// The accepted units, for every message about a duration.
    public static let unitsText = "units: s (seconds), min (minutes), h (hours), d (days), w (weeks); 'm' is refused "
        + "as ambiguous (minutes or months)"

    /// Seconds, or nil when the text is not a positive duration of at most 100 years in the accepted units.
    public static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var current: Int64 = 0
        var haveDigits = false
        var unit = ""
        var sawUnit = false
        func close() -> Bool {
            let multiplier: Int64
            switch unit {
            case "s": multiplier = 1
            case "min": multiplier = 60
            case "h": multiplier = 3600
            case "d": multiplier = 86_400
            case "w": multiplier = 7 * 86_400
            default: return false
            }
            total += current * multiplier
            current = 0
            haveDigits = false
            unit = ""
            sawUnit = true
            return total <= 100 * 366 * 86_400
        }
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) {
                if !unit.isEmpty { guard close() else { return nil } }
                current = current * 10 + Int64(byte - 0x30)
                haveDigits = true
                if current > 100 * 366 * 86_400 { return nil }
            } else if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte), haveDigits {
                unit.unicodeScalars.append(Unicode.Scalar(byte))
                if unit.count > 3 { return nil }
            } else {
                return nil
            }
        }
        if !unit.isEmpty { guard close() else { return nil } }
        guard sawUnit, !haveDigits, total > 0 else { return nil }
        return total
    }
}
