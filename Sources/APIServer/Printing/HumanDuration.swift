/// Kubernetes' short human-readable durations (`45s`, `3m20s`, `5h`, `2d3h`, `3y12d`), as the
/// AGE column shows them.
public enum HumanDuration {
    /// Formats `seconds`: below -1 s is `<invalid>`, slightly negative is `0s`, and precision
    /// drops as the duration grows (seconds up to 2 minutes, minutes and seconds below 10 minutes,
    /// minutes below 3 hours, hours and minutes below 8 hours, hours below 2 days, days and hours
    /// below 8 days, days below 2 years, years and days below 8 years, then years).
    public static func format(seconds: Double) -> String {
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        let total = Int64(seconds)
        if total < 120 { return "\(total)s" }
        let minutes = total / 60
        if minutes < 10 {
            let s = total % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 180 { return "\(minutes)m" }
        let hours = total / 3600
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}
