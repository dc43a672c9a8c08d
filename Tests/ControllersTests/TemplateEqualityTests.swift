import Controllers
import Foundation
import KubeAPI
import Testing

@Suite("Template equality")
struct TemplateEqualityTests {
    @Test func zeroValuesFromAnotherClientsDefaultingStillMatch() throws {
        let deployment = try JSONDecoder().decode(CoreV1.PodTemplateSpec.self, from: Data("""
        {"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","name":"nginx","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}
        """.utf8))
        let replicaSet = try JSONDecoder().decode(CoreV1.PodTemplateSpec.self, from: Data("""
        {"metadata":{"generation":0,"labels":{"app":"web","pod-template-hash":"6766f4df9c"}},"spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","name":"nginx","resources":{},"stdin":false,"stdinOnce":false,"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","tty":false}],"dnsPolicy":"ClusterFirst","hostIPC":false,"hostNetwork":false,"hostPID":false,"restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}
        """.utf8))
        #expect(PodTemplateHash.equalIgnoringHash(deployment, replicaSet))
        var other = deployment
        other.spec!.containers![0].image = "nginx:1.27"
        #expect(!PodTemplateHash.equalIgnoringHash(other, replicaSet))
    }
}
