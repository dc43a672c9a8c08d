import KubeAPI

extension TablePrinter {
    // MARK: Pods

    static let podPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Ready", description: "Ready containers out of all containers."),
            TableColumn(name: "Status", description: "The pod's phase, or why it is not running."),
            TableColumn(name: "Restarts", description: "Container restarts, with the time since the last one."),
            ageColumn,
            TableColumn(name: "IP", description: "The pod's IP address.", priority: 1),
            TableColumn(name: "Node", description: "The node the pod is bound to.", priority: 1),
            TableColumn(name: "Nominated Node", description: "The node preemption nominated for the pod.", priority: 1),
            TableColumn(name: "Readiness Gates", description: "Readiness gates that are true out of all gates.", priority: 1),
        ],
        cells: podCells,
        conditions: { pod in
            let phase = pod[path: "status", "phase"]?.stringValue ?? ""
            guard phase == "Succeeded" || phase == "Failed" else { return nil }
            return [["type": "Completed", "status": "True", "reason": .string(phase), "message": "All containers of the pod have terminated."]]
        }
    )

    static func podCells(_ pod: JSONValue, _ now: Double) -> [JSONValue] {
        let spec = pod["spec"] ?? [:]
        let status = pod["status"] ?? [:]
        var restarts: Int64 = 0
        var lastRestart: Double?
        var totalContainers = (spec["containers"]?.arrayValue ?? []).count
        var readyContainers = 0
        var reason = status["phase"]?.stringValue ?? ""
        if let r = status["reason"]?.stringValue, !r.isEmpty { reason = r }

        func noteRestart(_ containerStatus: JSONValue) {
            restarts += containerStatus["restartCount"]?.intValue ?? 0
            if let finished = containerStatus[path: "lastState", "terminated", "finishedAt"]?.stringValue,
               let seconds = RFC3339.seconds(finished), lastRestart.map({ seconds > $0 }) ?? true {
                lastRestart = seconds
            }
        }

        for condition in status["conditions"]?.arrayValue ?? [] {
            if condition["type"]?.stringValue == "PodScheduled", condition["reason"]?.stringValue == "SchedulingGated" {
                reason = "SchedulingGated"
            }
        }

        let initContainers = spec["initContainers"]?.arrayValue ?? []
        let sidecars = Set(initContainers.filter { $0["restartPolicy"]?.stringValue == "Always" }.compactMap { $0["name"]?.stringValue })
        totalContainers += sidecars.count
        var initializing = false
        for (index, container) in (status["initContainerStatuses"]?.arrayValue ?? []).enumerated() {
            noteRestart(container)
            let isSidecar = sidecars.contains(container["name"]?.stringValue ?? "")
            if isSidecar, container["started"]?.boolValue == true, container["ready"]?.boolValue == true {
                readyContainers += 1
            }
            if let terminated = container[path: "state", "terminated"], terminated["exitCode"]?.intValue == 0 { continue }
            if isSidecar, container["started"]?.boolValue == true { continue }
            if let terminated = container[path: "state", "terminated"] {
                if let r = terminated["reason"]?.stringValue, !r.isEmpty {
                    reason = "Init:" + r
                } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                    reason = "Init:Signal:\(signal)"
                } else {
                    reason = "Init:ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                }
            } else if let r = container[path: "state", "waiting", "reason"]?.stringValue, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(index)/\(initContainers.count)"
            }
            initializing = true
            break
        }

        let initialized = (status["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Initialized" && $0["status"]?.stringValue == "True"
        }
        if !initializing || initialized {
            var hasRunning = false
            for container in (status["containerStatuses"]?.arrayValue ?? []).reversed() {
                noteRestart(container)
                if let r = container[path: "state", "waiting", "reason"]?.stringValue, !r.isEmpty {
                    reason = r
                } else if let terminated = container[path: "state", "terminated"] {
                    if let r = terminated["reason"]?.stringValue, !r.isEmpty {
                        reason = r
                    } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                        reason = "Signal:\(signal)"
                    } else {
                        reason = "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                    }
                } else if container["ready"]?.boolValue == true, container[path: "state", "running"] != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            if reason == "Completed", hasRunning {
                let ready = (status["conditions"]?.arrayValue ?? []).contains {
                    $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                }
                reason = ready ? "Running" : "NotReady"
            }
        }

        let phase = status["phase"]?.stringValue ?? ""
        if pod[path: "metadata", "deletionTimestamp"] != nil {
            if status["reason"]?.stringValue == "NodeLost" {
                reason = "Unknown"
            } else if phase != "Succeeded", phase != "Failed" {
                reason = "Terminating"
            }
        }

        var restartsText = "\(restarts)"
        if restarts != 0, let lastRestart {
            restartsText += " (\(HumanDuration.format(seconds: now - lastRestart)) ago)"
        }

        let ip = status["podIPs"]?.arrayValue?.first?["ip"]?.stringValue ?? status["podIP"]?.stringValue
        let gates = spec["readinessGates"]?.arrayValue ?? []
        var gatesText = "<none>"
        if !gates.isEmpty {
            let conditions = status["conditions"]?.arrayValue ?? []
            let trueGates = gates.filter { gate in
                conditions.contains { $0["type"] == gate["conditionType"] && $0["status"]?.stringValue == "True" }
            }.count
            gatesText = "\(trueGates)/\(gates.count)"
        }
        return [
            name(pod), .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText), age(pod, now),
            orNone(ip), orNone(spec["nodeName"]?.stringValue), orNone(status["nominatedNodeName"]?.stringValue), .string(gatesText),
        ]
    }

    // MARK: Controllers

    static let deploymentPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Ready", description: "Ready replicas out of desired replicas."),
            TableColumn(name: "Up-to-date", type: "integer", description: "Replicas running the latest pod template."),
            TableColumn(name: "Available", type: "integer", description: "Replicas available to serve."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ]
    ) { d, now in
        let (containers, images) = containersAndImages(d[path: "spec", "template", "spec"])
        return [
            name(d), .string("\(int(d, "status", "readyReplicas"))/\(desiredReplicas(d))"),
            .int(int(d, "status", "updatedReplicas")), .int(int(d, "status", "availableReplicas")), age(d, now),
            containers, images, .string(formatSelector(d[path: "spec", "selector"])),
        ]
    }

    /// `spec.replicas`, defaulting to 1 as the API does.
    static func desiredReplicas(_ object: JSONValue) -> Int64 {
        object[path: "spec", "replicas"]?.intValue ?? 1
    }

    static let replicaSetPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Desired", type: "integer", description: "Desired replicas."),
            TableColumn(name: "Current", type: "integer", description: "Replicas created."),
            TableColumn(name: "Ready", type: "integer", description: "Replicas ready."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ]
    ) { rs, now in
        let (containers, images) = containersAndImages(rs[path: "spec", "template", "spec"])
        return [
            name(rs), .int(desiredReplicas(rs)), .int(int(rs, "status", "replicas")), .int(int(rs, "status", "readyReplicas")),
            age(rs, now), containers, images, .string(formatSelector(rs[path: "spec", "selector"])),
        ]
    }

    static let replicationControllerPrinter = Printer(
        columns: replicaSetPrinter.columns
    ) { rc, now in
        let (containers, images) = containersAndImages(rc[path: "spec", "template", "spec"])
        return [
            name(rc), .int(desiredReplicas(rc)), .int(int(rc, "status", "replicas")), .int(int(rc, "status", "readyReplicas")),
            age(rc, now), containers, images, .string(formatLabels(rc[path: "spec", "selector"])),
        ]
    }

    static let statefulSetPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Ready", description: "Ready replicas out of desired replicas."),
            ageColumn, containersColumn, imagesColumn,
        ]
    ) { s, now in
        let (containers, images) = containersAndImages(s[path: "spec", "template", "spec"])
        return [name(s), .string("\(int(s, "status", "readyReplicas"))/\(desiredReplicas(s))"), age(s, now), containers, images]
    }

    static let daemonSetPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Desired", type: "integer", description: "Nodes that should run the daemon pod."),
            TableColumn(name: "Current", type: "integer", description: "Nodes running the daemon pod."),
            TableColumn(name: "Ready", type: "integer", description: "Nodes with a ready daemon pod."),
            TableColumn(name: "Up-to-date", type: "integer", description: "Nodes running the latest pod template."),
            TableColumn(name: "Available", type: "integer", description: "Nodes with an available daemon pod."),
            TableColumn(name: "Node Selector", description: "The node selector of the pod template."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ]
    ) { ds, now in
        let (containers, images) = containersAndImages(ds[path: "spec", "template", "spec"])
        return [
            name(ds), .int(int(ds, "status", "desiredNumberScheduled")), .int(int(ds, "status", "currentNumberScheduled")),
            .int(int(ds, "status", "numberReady")), .int(int(ds, "status", "updatedNumberScheduled")),
            .int(int(ds, "status", "numberAvailable")), .string(formatLabels(ds[path: "spec", "template", "spec", "nodeSelector"])),
            age(ds, now), containers, images, .string(formatSelector(ds[path: "spec", "selector"])),
        ]
    }

    // MARK: Batch

    static let jobPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Status", description: "The job's state."),
            TableColumn(name: "Completions", description: "Successful completions out of those wanted."),
            TableColumn(name: "Duration", description: "How long the job ran or has been running."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ]
    ) { job, now in
        let (containers, images) = containersAndImages(job[path: "spec", "template", "spec"])
        let succeeded = int(job, "status", "succeeded")
        let completions: String
        if let wanted = job[path: "spec", "completions"]?.intValue {
            completions = "\(succeeded)/\(wanted)"
        } else if let parallelism = job[path: "spec", "parallelism"]?.intValue, parallelism > 1 {
            completions = "\(succeeded)/1 of \(parallelism)"
        } else {
            completions = "\(succeeded)/1"
        }
        var duration = ""
        if let start = string(job, "status", "startTime").flatMap(RFC3339.seconds) {
            let end = string(job, "status", "completionTime").flatMap(RFC3339.seconds) ?? now
            duration = HumanDuration.format(seconds: end - start)
        }
        return [
            name(job), .string(jobStatus(job)), .string(completions), .string(duration), age(job, now),
            containers, images, .string(formatSelector(job[path: "spec", "selector"])),
        ]
    }

    /// The STATUS of a job: its terminal or notable condition, else Running.
    static func jobStatus(_ job: JSONValue) -> String {
        func has(_ type: String) -> Bool {
            array(job, "status", "conditions").contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        if has("Complete") { return "Complete" }
        if has("Failed") { return "Failed" }
        if job[path: "metadata", "deletionTimestamp"] != nil { return "Terminating" }
        if has("FailureTarget") { return "FailureTarget" }
        if has("SuccessCriteriaMet") { return "SuccessCriteriaMet" }
        if has("Suspended") { return "Suspended" }
        return "Running"
    }

    static let cronJobPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Schedule", description: "The cron schedule."),
            TableColumn(name: "Timezone", description: "The time zone of the schedule."),
            TableColumn(name: "Suspend", type: "boolean", description: "Whether new runs are suspended."),
            TableColumn(name: "Active", type: "integer", description: "Jobs currently running."),
            TableColumn(name: "Last Schedule", description: "Time since a job was last scheduled."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ]
    ) { cj, now in
        let (containers, images) = containersAndImages(cj[path: "spec", "jobTemplate", "spec", "template", "spec"])
        let suspend: String
        switch cj[path: "spec", "suspend"]?.boolValue {
        case true?: suspend = "True"
        case false?: suspend = "False"
        case nil: suspend = "<unset>"
        }
        let last = string(cj, "status", "lastScheduleTime").map { since($0, now) } ?? "<none>"
        return [
            name(cj), .string(string(cj, "spec", "schedule") ?? ""), orNone(string(cj, "spec", "timeZone")), .string(suspend),
            .int(Int64(array(cj, "status", "active").count)), .string(last), age(cj, now),
            containers, images, .string(formatSelector(cj[path: "spec", "jobTemplate", "spec", "selector"])),
        ]
    }
}
