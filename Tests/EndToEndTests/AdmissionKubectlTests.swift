import Foundation
import Testing

/// Defaulting, validation and Service IP allocation seen through the real kubectl.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct AdmissionKubectlTests {
    static let manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: {app: web}
          ports:
          - port: 80
            targetPort: 80
        """

    @Test func defaultsAllocationAndValidation() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        #expect(try await server.kubectlOK("apply", "-f", "-", stdin: Self.manifest) == "deployment.apps/web created\nservice/web created\n")

        let services = try await server.kubectlOK("get", "svc")
        let lines = services.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME         TYPE        CLUSTER-IP") == true, "\(services)")
        let kubernetes = try #require(lines.first { $0.hasPrefix("kubernetes ") })
        #expect(kubernetes.contains(" 10.43.0.1 "), "\(kubernetes)")
        #expect(kubernetes.contains("443/TCP"))
        let web = try #require(lines.first { $0.hasPrefix("web ") })
        #expect(web.contains("ClusterIP"))
        let ip = try await server.kubectlOK("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
        let octets = ip.split(separator: ".").compactMap { Int($0) }
        #expect(octets.count == 4 && octets[0] == 10 && octets[1] == 43, "cluster IP \(ip) outside 10.43.0.0/16")
        #expect(ip != "10.43.0.1")
        #expect(web.contains(ip))
        #expect(try await server.kubectlOK("get", "svc", "kubernetes", "-o", "jsonpath={.spec.ports[0].name} {.spec.ports[0].port}") == "https 443")

        let yaml = try await server.kubectlOK("get", "deploy", "web", "-o", "yaml")
        for expected in [
            "progressDeadlineSeconds: 600", "replicas: 1", "revisionHistoryLimit: 10", "maxSurge: 25%",
            "maxUnavailable: 25%", "type: RollingUpdate", "imagePullPolicy: IfNotPresent", "protocol: TCP",
            "terminationMessagePath: /dev/termination-log", "terminationMessagePolicy: File",
            "dnsPolicy: ClusterFirst", "restartPolicy: Always", "schedulerName: default-scheduler",
            "securityContext: {}", "terminationGracePeriodSeconds: 30",
        ] {
            #expect(yaml.contains(expected), "deployment yaml lacks \(expected):\n\(yaml)")
        }

        let bad = try await server.kubectl("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata:
              name: bad
            spec:
              containers:
              - name: app
            """)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains(#"The Pod "bad" is invalid: spec.containers[0].image: Required value"#), "\(bad.stderr)")

        let taken = try await server.kubectl("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Service
            metadata:
              name: dup
            spec:
              clusterIP: \(ip)
              ports:
              - port: 80
            """)
        #expect(taken.status != 0)
        #expect(taken.stderr.contains("provided IP is already allocated"), "\(taken.stderr)")
    }
}
