import KubeAPI

/// Which scheduled time of a CronJob is due now, without I/O.
public struct CronJobTiming: Sendable, Hashable {
    /// The latest scheduled time in `(earliest, now]`, if any.
    public var due: Time?
    /// How many scheduled times fell in that window (more than 100: event `TooManyMissedTimes`).
    public var missed: Int
    /// The first scheduled time after `now`.
    public var next: Time?
    /// Whether `due` is older than `startingDeadlineSeconds` allows (it must be skipped).
    public var tooLate: Bool

    /// Computes the timing of `cronJob` at `now` for its parsed `schedule` in `zone`.
    public init(cronJob: BatchV1.CronJob, schedule: CronSchedule, zone: ZoneRules, now: Time) {
        var earliest = cronJob.status?.lastScheduleTime ?? cronJob.metadata.creationTimestamp ?? now
        let deadline = cronJob.spec?.startingDeadlineSeconds
        if let deadline {
            let cutoff = Time(secondsSinceEpoch: now.secondsSinceEpoch - Int64(deadline))
            if cutoff > earliest { earliest = cutoff }
        }
        var count = 0
        var latest: Time?
        var cursor = earliest
        // Walk the window; past a few hundred times only the latest matters.
        while let t = schedule.next(after: cursor, in: zone), t <= now {
            count += 1
            latest = t
            cursor = t
            if count > 100 {
                // Too many to walk: find the last time in the smallest window before `now` that has one.
                for window: Int64 in [3600, 86_400, 31 * 86_400, 366 * 86_400] {
                    var probe = Time(secondsSinceEpoch: now.secondsSinceEpoch - window)
                    if probe < cursor { probe = cursor }
                    var found: Time?
                    while let u = schedule.next(after: probe, in: zone), u <= now {
                        found = u
                        probe = u
                    }
                    if let found {
                        latest = found
                        break
                    }
                }
                break
            }
        }
        due = latest
        missed = count
        next = schedule.next(after: now, in: zone)
        if let latest, let deadline {
            tooLate = latest.secondsSinceEpoch + Int64(deadline) < now.secondsSinceEpoch
        } else {
            tooLate = false
        }
    }

    /// The name of the Job for `scheduled`: `<cronjob>-<minutes since the epoch>`.
    public static func jobName(cronJob: String, scheduled: Time) -> String {
        "\(cronJob)-\(scheduled.secondsSinceEpoch.cronFloorDiv(60))"
    }
}
