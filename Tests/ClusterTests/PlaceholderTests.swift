import Testing
@testable import Cluster

@Suite struct ClusterPlaceholder {}
