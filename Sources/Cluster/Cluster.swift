/// Composition of the server and agent.
public enum ClusterModule {}
