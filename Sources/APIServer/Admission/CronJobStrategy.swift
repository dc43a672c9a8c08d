import KubeAPI

/// CronJobs (`batch/v1`).
struct CronJobStrategy: ObjectStrategy {
    static let specOrder = [
        "schedule", "timeZone", "startingDeadlineSeconds", "concurrencyPolicy", "suspend",
        "jobTemplate", "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
    ]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        object.withObject("spec") { spec in
            spec.setDefault("concurrencyPolicy", "Allow")
            spec.setDefault("suspend", false)
            spec.setDefault("successfulJobsHistoryLimit", 3)
            spec.setDefault("failedJobsHistoryLimit", 1)
            spec.withObject("jobTemplate") { jobTemplate in
                jobTemplate.withObject("spec") { jobSpec in
                    jobSpec.withObject("template") { PodDefaults.applyToTemplate(&$0) }
                }
            }
            spec.reorder(Self.specOrder)
        }
    }

    /// Macros the schedule may use instead of five fields.
    static let descriptors: Set<String> = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        if let schedule = FieldChecks.requiredString(spec["schedule"], "spec.schedule", into: &errors) {
            var text = Substring(schedule)
            if text.hasPrefix("TZ=") || text.hasPrefix("CRON_TZ=") {
                errors.append(.invalid("spec.schedule", value: .string(schedule), detail: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
                text = text.drop(while: { $0 != " " }).dropFirst()
            }
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            let macro = fields.first.map { $0.hasPrefix("@") } ?? false
            if macro {
                let known = fields.count == 1 && Self.descriptors.contains(String(fields[0])) || fields.count == 2 && fields[0] == "@every"
                if !known {
                    errors.append(.invalid("spec.schedule", value: .string(schedule), detail: "unrecognized descriptor: \(fields.first ?? "")"))
                }
            } else if fields.count != 5 {
                errors.append(.invalid("spec.schedule", value: .string(schedule), detail: "expected exactly 5 fields, found \(fields.count): \(text)"))
            }
        }
        FieldChecks.oneOf(spec["concurrencyPolicy"], ["Allow", "Forbid", "Replace"], "spec.concurrencyPolicy", into: &errors)
        for field in ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
            FieldChecks.minimum(spec[field], 0, "spec.\(field)", into: &errors)
        }
        if let template = spec[path: "jobTemplate", "spec", "template"] {
            WorkloadChecks.templateErrors(template, path: "spec.jobTemplate.spec.template", restartPolicies: JobStrategy.restartPolicies, into: &errors)
        } else {
            errors.append(.required("spec.jobTemplate.spec.template"))
        }
        return errors
    }
}
