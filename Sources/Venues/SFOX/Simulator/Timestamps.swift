import VenueBridgeCore

/// `2022-04-14T01:57:21.521999872Z` (9 fraction digits) or `2022-04-14T02:04:02.481Z` (3): the
/// venue's ISO 8601 forms, UTC, from nanoseconds since the epoch.
func isoTimestamp(nanos: Int64, fractionDigits: Int) -> String {
    let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
    let fraction = nanos - seconds * 1_000_000_000
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    let (year, month, day) = civilDate(daysSinceEpoch: days)
    func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    var result =
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    let digits = min(max(fractionDigits, 0), 9)
    if digits > 0 {
        var divisor: Int64 = 1
        for _ in digits..<9 { divisor *= 10 }
        result += "." + pad(fraction / divisor, digits)
    }
    return result + "Z"
}

/// Howard Hinnant's days-from-civil inverse: proleptic Gregorian (year, month, day).
private func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}
