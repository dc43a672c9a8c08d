import APIServer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClusterPKI {
    /// The subject of the certificate the API server presents to kubelets.
    public static let kubeletClientCommonName = "kube-apiserver-kubelet-client"
    /// Its organizations: the API server may do anything a kubelet serves.
    public static let kubeletClientOrganizations = ["system:masters"]

    /// How the API server reaches kubelets: a fresh client certificate from the client CA (the
    /// CA kubelets verify clients against; kept in memory, issued on every start) and the
    /// server CA, which signs kubelet serving certificates.
    public func kubeletClientConfiguration(now: Date = Date()) throws(PKIError) -> KubeletClientConfiguration {
        let certificate = try issueClientCertificate(
            commonName: Self.kubeletClientCommonName, organizations: Self.kubeletClientOrganizations, now: now)
        return KubeletClientConfiguration(
            certificateAuthorityPEM: serverCAPEM,
            clientCertificatePEM: certificate.certificatePEM,
            clientKeyPEM: certificate.privateKeyPEM)
    }
}
