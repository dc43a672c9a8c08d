// k3s-bench: performance figures for the project, one JSON object per line on stdout.
//
//   k3s-bench datastore [--backend sqlite|memory|all] [--quick]
//   k3s-bench apiserver [--quick]   (needs the release k3s binary built next to it)
//   k3s-bench apiserver --kubeconfig FILE   (the load figures against any API server)
//   k3s-bench scheduler [--nodes 5000] [--pods 10000] [--quick]   (in-process cluster)
//   k3s-bench cluster [--nodes 1000] [--replicas 10000] [--mode in-process|separate|both] [--quick]
//       (hollow nodes in this process, and/or a k3s server plus a k3s agent process; the latter
//       needs the release k3s binary built next to it)
//   k3s-bench scale [--nodes 5000] [--pods 150000] [--deployments 30]   (k3s server + k3s agent --hollow-nodes;
//       needs the release k3s built next to the bench)
//   k3s-bench testcluster [--nodes 3] [--runs 10]   (TestCluster.start to every node Ready, in this process)
//   k3s-bench dns [--services 1000] [--server-threads 1] [--senders 8] [--window 16] [--seconds 5]
//       (the built-in cluster DNS server on loopback and a UDP load generator in this process)
//   k3s-bench net [--services 1000,10000] [--endpoints 10]   (the service proxy's nft syncs; root, nft)
//   k3s-bench ingress [--clients 16] [--seconds 5]   (the built-in ingress proxy and nginx on loopback)
//   k3s-bench node [--pods 30] [--sync-pods 100]   (a real node: containerd, runc; root; release k3s and k3s-pause
//       built next to the bench)
//
// Progress and diagnostics go to stderr so stdout stays machine-readable.
import Foundation
import Logging

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

func usage() -> Never {
    FileHandle.standardError.write(Data("""
    usage: k3s-bench datastore [--backend sqlite|memory|all] [--quick]
           k3s-bench apiserver [--kubeconfig FILE] [--quick]
           k3s-bench scheduler [--nodes N] [--pods N] [--quick]
           k3s-bench cluster [--nodes N] [--replicas N] [--mode in-process|separate|both] [--quick]
           k3s-bench testcluster [--nodes N] [--runs N]
           k3s-bench scale [--nodes N] [--pods N] [--deployments N]
           k3s-bench node [--pods N] [--sync-pods N]
           k3s-bench dns [--services N] [--server-threads N] [--senders N] [--window N] [--seconds N]
           k3s-bench net [--services N,N] [--endpoints N]
           k3s-bench net-throughput [--seconds N] [--streams N] [--runs N]
           k3s-bench datastore-rss --backend sqlite|memory --writes N --keys K [--dir DIR]
           k3s-bench ingress [--clients N] [--seconds N]

    """.utf8))
    exit(2)
}

guard let suite = arguments.first else { usage() }
switch suite {
case "datastore":
    let backends: [DatastoreBench.Backend]
    switch option("--backend") ?? "all" {
    case "all": backends = DatastoreBench.Backend.allCases
    case let name:
        guard let backend = DatastoreBench.Backend(rawValue: name) else { usage() }
        backends = [backend]
    }
    let bench = DatastoreBench(quick: arguments.contains("--quick"))
    for backend in backends {
        try await bench.run(backend: backend)
    }
case "apiserver":
    try await APIServerBench(kubeconfig: option("--kubeconfig"), quick: arguments.contains("--quick")).run()
case "scheduler":
    let quick = arguments.contains("--quick")
    try await ClusterBench(quick: quick).scheduler(
        nodes: option("--nodes").flatMap(Int.init) ?? (quick ? 500 : 5000),
        pods: option("--pods").flatMap(Int.init) ?? (quick ? 1000 : 10_000))
case "cluster":
    let quick = arguments.contains("--quick")
    let nodes = option("--nodes").flatMap(Int.init) ?? (quick ? 100 : 1000)
    let replicas = option("--replicas").flatMap(Int.init) ?? (quick ? 1000 : 10_000)
    let mode = option("--mode") ?? "both"
    guard ["in-process", "separate", "both"].contains(mode) else { usage() }
    let bench = ClusterBench(quick: quick)
    if mode != "in-process" { try await bench.separateProcesses(nodes: nodes, replicas: replicas) }
    if mode != "separate" { try await bench.cluster(nodes: nodes, replicas: replicas) }
case "scale":
    let quick = arguments.contains("--quick")
    try await ScaleBench(
        nodes: option("--nodes").flatMap(Int.init) ?? (quick ? 100 : 5000), pods: option("--pods").flatMap(Int.init) ?? (quick ? 3000 : 150_000),
        deployments: max(1, option("--deployments").flatMap(Int.init) ?? (quick ? 3 : 30))
    ).run()
case "testcluster":
    try await TestClusterBench(nodes: option("--nodes").flatMap(Int.init) ?? 3, runs: max(1, option("--runs").flatMap(Int.init) ?? 10)).run()
case "node":
    try await NodeBench(pods: option("--pods").flatMap(Int.init) ?? 30, syncPods: option("--sync-pods").flatMap(Int.init) ?? 100).run()
case "net":
    let counts = (option("--services") ?? "1000,10000").split(separator: ",").compactMap { Int($0) }
    guard !counts.isEmpty else { usage() }
    try await NetBench(serviceCounts: counts, endpointsPerService: option("--endpoints").flatMap(Int.init) ?? 10).run()
case "net-throughput":
    try await PodThroughputBench(seconds: option("--seconds").flatMap(Int.init) ?? 5, streams: option("--streams").flatMap(Int.init) ?? 1, runs: max(1, option("--runs").flatMap(Int.init) ?? 3)).run()
case "node-client":
    guard let kubeconfig = option("--kubeconfig") else { usage() }
    try await NodeBench.client(
        kubeconfig: kubeconfig, pods: option("--pods").flatMap(Int.init) ?? 30, syncPods: option("--sync-pods").flatMap(Int.init) ?? 100,
        node: option("--node") ?? "bench-node")
case "dns":
    try await DNSBench(
        services: option("--services").flatMap(Int.init) ?? 1000, serverThreads: option("--server-threads").flatMap(Int.init) ?? 1,
        senders: option("--senders").flatMap(Int.init) ?? 8, window: option("--window").flatMap(Int.init) ?? 16,
        seconds: option("--seconds").flatMap(Int.init) ?? 5
    ).run()
case "ingress":
    try await IngressBench(clients: option("--clients").flatMap(Int.init) ?? 16, seconds: option("--seconds").flatMap(Int.init) ?? 5).run()
case "datastore-rss":
    guard let name = option("--backend"), let backend = DatastoreBench.Backend(rawValue: name),
          let writes = option("--writes").flatMap(Int.init), let keys = option("--keys").flatMap(Int.init)
    else { usage() }
    try await DatastoreBench.rssChild(backend: backend, writes: writes, keys: keys, directory: option("--dir"))
default:
    usage()
}
