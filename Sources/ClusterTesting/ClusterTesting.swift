import Testing
import Datastore

/// Shared test support: conformance suites that every implementation of a protocol must pass.
public enum ClusterTesting {}
