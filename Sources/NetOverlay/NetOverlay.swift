/// Node networking: overlay, CNI, service proxy, DNS, ingress. Filled by later issues.
public enum NetOverlayModule {}
