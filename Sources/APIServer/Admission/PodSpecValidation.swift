import KubeAPI

/// The checks upstream runs on a `PodSpec`, in pods and in templates.
enum PodSpecValidation {
    static let restartPolicies = ["Always", "OnFailure", "Never"]
    static let dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    static let pullPolicies = ["Always", "IfNotPresent", "Never"]
    static let protocols = ["SCTP", "TCP", "UDP"]
    static let messagePolicies = ["File", "FallbackToLogsOnError"]

    /// The field errors of `spec` found at `path` (`spec`, `spec.template.spec`).
    static func errors(_ spec: JSONValue?, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec, spec.objectValue != nil else {
            errors.append(.required(path))
            return errors
        }
        let volumes = validateVolumes(spec, path: path, into: &errors)
        var names = Set<String>()
        let containers = spec["containers"]
        if containers?.arrayValue?.isEmpty ?? true {
            if let containers, !containers.isNull, containers.arrayValue == nil {
                errors.append(FieldError(kind: .typeInvalid, field: "\(path).containers", badValue: containers, detail: "must be an array"))
            } else {
                errors.append(.required("\(path).containers"))
            }
        }
        for key in ["initContainers", "containers"] {
            for (index, container) in spec.elements(key).enumerated() {
                validateContainer(container, path: "\(path).\(key)[\(index)]", names: &names, volumes: volumes, into: &errors)
            }
        }
        FieldChecks.oneOf(spec["restartPolicy"], restartPolicies, "\(path).restartPolicy", into: &errors)
        FieldChecks.oneOf(spec["dnsPolicy"], dnsPolicies, "\(path).dnsPolicy", into: &errors)
        FieldChecks.minimum(spec["terminationGracePeriodSeconds"], 0, "\(path).terminationGracePeriodSeconds", into: &errors)
        if let deadline = spec["activeDeadlineSeconds"], !deadline.isNull {
            if let value = deadline.intValue, value <= 0 {
                errors.append(.invalid("\(path).activeDeadlineSeconds", value: deadline, detail: "must be between 1 and 2147483647, inclusive"))
            }
        }
        if let selector = spec["nodeSelector"]?.objectValue {
            for (key, value) in selector {
                for problem in LabelValidation.qualifiedNameErrors(key) {
                    errors.append(.invalid("\(path).nodeSelector", value: .string(key), detail: problem))
                }
                for problem in LabelValidation.labelValueErrors(value.stringValue ?? "") {
                    errors.append(.invalid("\(path).nodeSelector", value: value, detail: problem))
                }
            }
        }
        let account = spec.string("serviceAccountName")
        if !account.isEmpty {
            for problem in LabelValidation.dnsSubdomainErrors(account) {
                errors.append(.invalid("\(path).serviceAccountName", value: .string(account), detail: problem))
            }
        }
        return errors
    }

    /// Checks volume names; returns the declared names.
    static func validateVolumes(_ spec: JSONValue, path: String, into errors: inout [FieldError]) -> Set<String> {
        var names = Set<String>()
        for (index, volume) in spec.elements("volumes").enumerated() {
            let field = "\(path).volumes[\(index)].name"
            guard let name = FieldChecks.requiredString(volume["name"], field, into: &errors) else { continue }
            FieldChecks.dnsLabel(name, field, into: &errors)
            if !names.insert(name).inserted { errors.append(.duplicate(field, value: .string(name))) }
            let sources = (volume.objectValue ?? [:]).keys.filter { PodDefaults.volumeSources.contains($0) }
            if sources.count > 1 {
                errors.append(.forbidden("\(path).volumes[\(index)].\(sources[1])", detail: "may not specify more than 1 volume type"))
            }
        }
        return names
    }

    static func validateContainer(_ container: JSONValue, path: String, names: inout Set<String>, volumes: Set<String>, into errors: inout [FieldError]) {
        if let name = FieldChecks.requiredString(container["name"], "\(path).name", into: &errors) {
            FieldChecks.dnsLabel(name, "\(path).name", into: &errors)
            if !names.insert(name).inserted { errors.append(.duplicate("\(path).name", value: .string(name))) }
        }
        let image = container["image"]
        if image?.stringValue.map({ $0.trimmingSpaces().isEmpty }) ?? true {
            if let image, !image.isNull, image.stringValue == nil {
                errors.append(FieldError(kind: .typeInvalid, field: "\(path).image", badValue: image, detail: "must be a string"))
            } else if image?.stringValue.map({ !$0.isEmpty }) ?? false {
                errors.append(.invalid("\(path).image", value: image!, detail: "must not have leading or trailing whitespace"))
            } else {
                errors.append(.required("\(path).image"))
            }
        } else if let text = image?.stringValue, text != text.trimmingSpaces() {
            errors.append(.invalid("\(path).image", value: .string(text), detail: "must not have leading or trailing whitespace"))
        }
        var portNames = Set<String>()
        for (index, port) in container.elements("ports").enumerated() {
            let portPath = "\(path).ports[\(index)]"
            let name = port.string("name")
            if !name.isEmpty {
                for problem in FieldChecks.portNameErrors(name) {
                    errors.append(.invalid("\(portPath).name", value: .string(name), detail: problem))
                }
                if !portNames.insert(name).inserted { errors.append(.duplicate("\(portPath).name", value: .string(name))) }
            }
            FieldChecks.portNumber(port["containerPort"], "\(portPath).containerPort", into: &errors)
            FieldChecks.portNumber(port["hostPort"], "\(portPath).hostPort", required: false, into: &errors)
            FieldChecks.oneOf(port["protocol"], protocols, "\(portPath).protocol", into: &errors)
        }
        FieldChecks.oneOf(container["imagePullPolicy"], pullPolicies, "\(path).imagePullPolicy", into: &errors)
        FieldChecks.oneOf(container["terminationMessagePolicy"], messagePolicies, "\(path).terminationMessagePolicy", into: &errors)
        for (index, mount) in container.elements("volumeMounts").enumerated() {
            let mountPath = "\(path).volumeMounts[\(index)]"
            if let name = FieldChecks.requiredString(mount["name"], "\(mountPath).name", into: &errors), !volumes.contains(name) {
                errors.append(.notFound("\(mountPath).name", value: .string(name)))
            }
            _ = FieldChecks.requiredString(mount["mountPath"], "\(mountPath).mountPath", into: &errors)
        }
        for (index, variable) in container.elements("env").enumerated() {
            _ = FieldChecks.requiredString(variable["name"], "\(path).env[\(index)].name", into: &errors)
        }
        validateResources(container["resources"], path: "\(path).resources", into: &errors)
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard let value = container[probe], value.objectValue != nil else { continue }
            for field in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
                FieldChecks.minimum(value[field], 0, "\(path).\(probe).\(field)", into: &errors)
            }
            let handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter { value[$0].map { !$0.isNull } ?? false }
            if handlers.isEmpty {
                errors.append(.required("\(path).\(probe)", detail: "must specify a handler type"))
            } else if handlers.count > 1 {
                errors.append(.forbidden("\(path).\(probe).\(handlers[1])", detail: "may not specify more than 1 handler type"))
            }
        }
    }

    /// Requests and limits parse, and no request exceeds its limit.
    static func validateResources(_ resources: JSONValue?, path: String, into errors: inout [FieldError]) {
        guard let resources, resources.objectValue != nil else { return }
        var limits: [String: Quantity] = [:]
        for (name, value) in resources["limits"]?.objectValue ?? [:] {
            if let quantity = FieldChecks.quantity(value, "\(path).limits[\(name)]", into: &errors) {
                if quantity < .zero {
                    errors.append(.invalid("\(path).limits[\(name)]", value: value, detail: "must be greater than or equal to 0"))
                }
                limits[name] = quantity
            }
        }
        for (name, value) in resources["requests"]?.objectValue ?? [:] {
            guard let quantity = FieldChecks.quantity(value, "\(path).requests[\(name)]", into: &errors) else { continue }
            if quantity < .zero {
                errors.append(.invalid("\(path).requests[\(name)]", value: value, detail: "must be greater than or equal to 0"))
            }
            if let limit = limits[name], limit < quantity {
                errors.append(.invalid("\(path).requests[\(name)]", value: .string(quantity.description), detail: "must be less than or equal to \(name) limit of \(limit.description)"))
            }
        }
    }
}
