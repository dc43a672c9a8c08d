/// The kubelet: node registration, pod workers, the runtime seam. Filled by later issues.
public enum KubeletModule {}
