import KubeAPI
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `k3s certificate check` reports: every certificate in the certificate files of a data
/// directory, with its expiry, the time left and a status.
public struct CertificateReport: Sendable {
    /// A certificate's state at the reference time.
    public enum Status: String, Sendable, Hashable {
        /// More than 90 days left.
        case ok = "OK"
        /// Within 90 days of expiry: renewed at the next start.
        case warning = "WARNING"
        /// Past its end.
        case expired = "EXPIRED"
        /// Before its start.
        case notYetValid = "NOT YET VALID"
    }

    /// One certificate (a file may hold several, such as a chain).
    public struct Entry: Sendable, Hashable {
        /// The file's name (`client-admin.crt`).
        public var fileName: String
        /// The file's full path.
        public var path: String
        /// The subject's common name.
        public var subject: String
        /// The issuer's common name.
        public var issuer: String
        /// `CertSign`, `ServerAuth`, `ClientAuth`.
        public var usages: [String]
        /// Start of validity.
        public var notBefore: Date
        /// End of validity.
        public var notAfter: Date
        /// The state at the report's time.
        public var status: Status
    }

    /// The certificates, in file order.
    public var entries: [Entry]
    /// The time statuses were computed at.
    public var referenceTime: Date

    /// The certificate files (`*.crt`) of a data directory: everything in `server/tls` when it
    /// exists, then `agent`; restricted to the files of `services` when given
    /// (``CertificateServices``).
    public static func files(dataDir: String, services: [String] = []) -> [String] {
        let base = dataDir.trimmingTrailingSlash()
        if !services.isEmpty {
            var seen = Set<String>()
            return services.flatMap(CertificateServices.files(of:)).map { base + "/" + $0 + ".crt" }
                .filter { FileSystem.exists($0) && seen.insert($0).inserted }
        }
        return ["server/tls", "agent"].flatMap { folder in
            FileSystem.contents(ofDirectory: base + "/" + folder).filter { $0.hasSuffix(".crt") }.map { "\(base)/\(folder)/\($0)" }
        }
    }

    /// Reads the certificates in `files` at time `now`; unreadable files are skipped.
    public static func collect(files: [String], now: Date = Date()) -> CertificateReport {
        var entries: [Entry] = []
        for path in files {
            guard let text = try? FileSystem.readTextFile(path) else { continue }
            for certificate in certificates(inPEM: text) {
                entries.append(entry(certificate, path: path, now: now))
            }
        }
        return CertificateReport(entries: entries, referenceTime: now)
    }

    /// Every parsable `CERTIFICATE` block of a PEM text, in order.
    static func certificates(inPEM text: String) -> [Certificate] {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        var result: [Certificate] = []
        var rest = Substring(text)
        while let start = rest.firstRange(of: begin), let stop = rest[start.upperBound...].firstRange(of: end) {
            if let certificate = try? Certificate(pemEncoded: String(rest[start.lowerBound..<stop.upperBound])) {
                result.append(certificate)
            }
            rest = rest[stop.upperBound...]
        }
        return result
    }

    static func entry(_ certificate: Certificate, path: String, now: Date) -> Entry {
        let status: Status
        if now < certificate.notValidBefore {
            status = .notYetValid
        } else if now >= certificate.notValidAfter {
            status = .expired
        } else if certificate.notValidAfter.timeIntervalSince(now) < ClusterPKI.renewalWindow {
            status = .warning
        } else {
            status = .ok
        }
        var usages: [String] = []
        if (try? certificate.extensions.basicConstraints) == .isCertificateAuthority(maxPathLength: nil)
            || (try? certificate.extensions.keyUsage)?.keyCertSign == true {
            usages.append("CertSign")
        }
        if let extended = try? certificate.extensions.extendedKeyUsage {
            if extended.contains(.serverAuth) { usages.append("ServerAuth") }
            if extended.contains(.clientAuth) { usages.append("ClientAuth") }
        }
        return Entry(
            fileName: String(path.split(separator: "/").last ?? Substring(path)), path: path,
            subject: commonName(certificate.subject), issuer: commonName(certificate.issuer), usages: usages,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, status: status)
    }

    static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let text = String(attribute.value) { return text }
            }
        }
        return name.description
    }

    /// The report as K3s's `--output table`: a blank line, the header `FILENAME SUBJECT USAGES
    /// EXPIRES RESIDUAL TIME STATUS`, a line of dashes, then one row per certificate; columns
    /// are padded to their widest cell plus three spaces; expiry reads `Jan 02, 2006 15:04 UTC`.
    public func table() -> String {
        var rows = [["FILENAME", "SUBJECT", "USAGES", "EXPIRES", "RESIDUAL TIME", "STATUS"]]
        rows.append(rows[0].map { String(repeating: "-", count: $0.count) })
        for entry in entries {
            rows.append([
                entry.fileName, entry.subject, entry.usages.joined(separator: ","),
                Self.tableDate(entry.status == .notYetValid ? entry.notBefore : entry.notAfter),
                Self.residual(entry.notAfter.timeIntervalSince(referenceTime)), entry.status.rawValue,
            ])
        }
        return "\n" + TextTable.render(rows, gap: 3)
    }

    /// The report as K3s's default text output: one line per certificate with its level
    /// (`INFO`, `WARN` within 90 days, `ERROR` when expired or not yet valid).
    public func textLines() -> [String] {
        entries.map { entry in
            let usages = entry.usages.joined(separator: ",")
            let head = "\(entry.fileName): certificate \(entry.subject) (\(usages))"
            switch entry.status {
            case .ok: return "INFO \(head) is ok, expires at \(Self.rfc3339(entry.notAfter))"
            case .warning: return "WARN \(head) will expire within 90 days at \(Self.rfc3339(entry.notAfter))"
            case .expired: return "ERROR \(head) expired at \(Self.rfc3339(entry.notAfter))"
            case .notYetValid: return "ERROR \(head) is not valid before \(Self.rfc3339(entry.notBefore))"
            }
        }
    }

    static let monthAbbreviations = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `2006-01-02T15:04:05Z`.
    static func rfc3339(_ date: Date) -> String { Time(date).description }

    /// `Jan 02, 2006 15:04 UTC`.
    static func tableDate(_ date: Date) -> String {
        // From the RFC 3339 form: YYYY-MM-DDTHH:MM:SSZ.
        let text = Array(rfc3339(date))
        let month = Int(String(text[5...6])) ?? 1
        return "\(monthAbbreviations[month - 1]) \(String(text[8...9])), \(String(text[0...3])) \(String(text[11...15])) UTC"
    }

    /// The time left in words, in the coarsest unit that fits (`364 days` is `12 months`),
    /// as K3s prints it; the same words for time past.
    static func residual(_ interval: TimeInterval) -> String {
        let seconds = abs(interval)
        let minute = 60.0, hour = 3600.0, day = 86_400.0, week = 7 * day, month = 30 * day, year = 365 * day
        func count(_ unit: Double, _ name: String) -> String { "\(Int(seconds / unit)) \(name)" }
        switch seconds {
        case ..<1: return "now"
        case ..<2: return "1 second"
        case ..<minute: return count(1, "seconds")
        case ..<(2 * minute): return "1 minute"
        case ..<hour: return count(minute, "minutes")
        case ..<(2 * hour): return "1 hour"
        case ..<day: return count(hour, "hours")
        case ..<(2 * day): return "1 day"
        case ..<week: return count(day, "days")
        case ..<(2 * week): return "1 week"
        case ..<month: return count(week, "weeks")
        case ..<(2 * month): return "1 month"
        case ..<year: return count(month, "months")
        case ..<(18 * month): return "1 year"
        case ..<(2 * year): return "2 years"
        case ..<(37 * year): return count(year, "years")
        default: return "a long while"
        }
    }
}
