// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "k3s-swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "k3s", targets: ["CLI"]),
        .executable(name: "k3s-bench", targets: ["K3sBench"]),
        .executable(name: "kubeapi-gen", targets: ["KubeAPIGenerator"]),
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .library(name: "Datastore", targets: ["Datastore"]),
        .library(name: "APIServer", targets: ["APIServer"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "Scheduler", targets: ["Scheduler"]),
        .library(name: "Controllers", targets: ["Controllers"]),
        .library(name: "Kubelet", targets: ["Kubelet"]),
        .library(name: "NetOverlay", targets: ["NetOverlay"]),
        .library(name: "ServiceProxy", targets: ["ServiceProxy"]),
        .library(name: "NFTables", targets: ["NFTables"]),
        .library(name: "NetworkPolicy", targets: ["NetworkPolicy"]),
        .library(name: "ContainerRuntime", targets: ["ContainerRuntime"]),
        .library(name: "NodeJoinAPI", targets: ["NodeJoinAPI"]),
        .library(name: "Cluster", targets: ["Cluster"]),
        .library(name: "ClusterTesting", targets: ["ClusterTesting"]),
        .library(name: "ContainerImages", targets: ["ContainerImages"]),
        .library(name: "ClusterDNS", targets: ["ClusterDNS"]),
        .library(name: "IngressProxy", targets: ["IngressProxy"]),
        .executable(name: "k3s-pause", targets: ["k3s-pause"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.36.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        // 4.x imports FoundationEssentials only (3.x pulls full Foundation and its 34 MB of ICU
        // data into a static binary).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        // The CRI client of containerd (ContainerRuntime): gRPC over a unix socket.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        // Default traits off: `BinaryDelimitedStreams` imports all of Foundation (and its ICU data).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
        // Runs the managed containerd (ContainerRuntime); its Foundation trait stays off.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "KubeAPI",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(
            name: "Datastore",
            dependencies: ["CSQLite", "KubeAPI", .product(name: "Logging", package: "swift-log")]
        ),
        // The node-join wire contract (paths, request and response bodies): imported by the API
        // server that serves it and by the agent that calls it.
        .target(
            name: "NodeJoinAPI",
            dependencies: ["KubeAPI", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(
            name: "APIServer",
            dependencies: [
                "KubeAPI", "Datastore", "KubeClient", "NodeJoinAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeAPI", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Scheduler",
            dependencies: ["KubeClient", "KubeAPI", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Controllers",
            dependencies: [
                "KubeClient", "KubeAPI", .product(name: "Logging", package: "swift-log"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Kubelet",
            dependencies: [
                "KubeClient", "KubeAPI", "ContainerImages", .product(name: "Logging", package: "swift-log"),
                // Network probes and httpGet hooks (HTTP/1.1, HTTPS without verification, TCP,
                // gRPC health over h2c); the kubelet's own HTTPS API (port 10250): logs,
                // exec/attach/port-forward proxy, stats.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The pod overlay (Flannel-compatible VXLAN and host-gw through iproute2 and nft) and the
        // CNI bridge configuration.
        .target(
            name: "NetOverlay",
            dependencies: [
                "KubeClient", "KubeAPI", "NFTables", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // nftables plumbing the service proxy and the policy controller share: tables, chains and
        // sets as values, their differences as one `nft -f -` transaction, and the runners.
        .target(
            name: "NFTables",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")]
        ),
        // The service proxy (kube-proxy's nftables role): Services and EndpointSlices to one nft
        // table per family, applied as whole `nft -f -` transactions.
        .target(
            name: "ServiceProxy",
            dependencies: ["KubeClient", "KubeAPI", "NFTables", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ServiceProxyTests",
            dependencies: [
                "ServiceProxy", "NFTables", "KubeClient", "KubeAPI", "ClusterTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // NetworkPolicy (the role of K3s's embedded policy controller): policies, pods and
        // namespaces to one `inet` nft table filtering the forwarded traffic of the node's pods.
        .target(
            name: "NetworkPolicy",
            dependencies: [
                "KubeClient", "KubeAPI", "NFTables", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "NetworkPolicyTests",
            dependencies: [
                "NetworkPolicy", "NFTables", "KubeClient", "KubeAPI", "ClusterTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // The kubelet's RuntimeClient over containerd's CRI socket, and the containerd the agent
        // runs. Generated/ is written by scripts/generate-cri.sh.
        .target(
            name: "ContainerRuntime",
            dependencies: [
                "Kubelet", "ContainerImages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .target(
            name: "Cluster",
            dependencies: [
                "KubeAPI", "Datastore", "APIServer", "KubeClient", "Scheduler", "Controllers",
                "Kubelet", "NetOverlay", "ServiceProxy", "NodeJoinAPI", "ContainerRuntime", "ContainerImages", "ClusterDNS",
                "NetworkPolicy", "IngressProxy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Cluster", "Datastore", "APIServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Nothing loads k3s as a library or looks its symbols up at run time, so its symbols
            // stay out of the dynamic symbol table (about 8 MB of the release binary). The release
            // binary is also linked as a fixed-address executable, as Go links K3s: no dynamic
            // relocations to store (3.3 MB) or apply at every start.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"]),
                .unsafeFlags(["-Xlinker", "-no-pie"], .when(configuration: .release)),
            ],
            // `BuildStamp` (git commit, tree state, build date for /version) is generated before
            // every build by scripts/build-stamp.sh.
            plugins: ["BuildStampPlugin"]
        ),
        .plugin(name: "BuildStampPlugin", capability: .buildTool()),
        // The sandbox ("pause") process: no C library, raw system calls and its own entry point,
        // so the product is a static binary of a few kilobytes that runs in an otherwise empty
        // image (`PauseImage` packs it).
        .executableTarget(
            name: "k3s-pause",
            cSettings: [.unsafeFlags(["-Os", "-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-fno-pic"])],
            linkerSettings: [
                // The Swift driver links every product: no Swift start-up object, the static
                // runtime search path (nothing of it is referenced, so nothing is pulled in), no C
                // library or start files, a static ELF.
                .unsafeFlags([
                    "-nostartfiles", "-static-stdlib", "-Xclang-linker", "-nostdlib", "-Xclang-linker", "-static",
                    // The driver's -pie means nothing for a static link; say nothing about it.
                    "-Xclang-linker", "-Wno-unused-command-line-argument",
                    "-Xlinker", "--gc-sections", "-Xlinker", "--strip-all",
                ]),
            ]
        ),
        // Images with no registry: OCI archives written in Swift, the pause image, importing
        // DATA_DIR/agent/images into containerd, registries.yaml into hosts.toml.
        .target(
            name: "ContainerImages",
            dependencies: [
                "KubeAPI", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "ClusterTesting",
            dependencies: [
                "Datastore", "KubeAPI", "APIServer", "KubeClient", "Kubelet", "ContainerImages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "K3sBench",
            dependencies: [
                "Datastore", "Cluster", "Scheduler", "Controllers", "Kubelet", "KubeClient", "KubeAPI", "ClusterDNS", "ServiceProxy",
                "NetOverlay", "IngressProxy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Cluster DNS (CoreDNS's `kubernetes` plugin's role): a DNS codec, a resolver over the
        // node's own informers, a UDP/TCP server on NIO, forwarding to the host's resolvers.
        .target(
            name: "ClusterDNS",
            dependencies: [
                "KubeAPI", "KubeClient", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ClusterDNSTests",
            dependencies: [
                // Scheduler: its seedable SplitMix64 for the codec's fuzz test.
                "ClusterDNS", "ClusterTesting", "KubeAPI", "KubeClient", "Scheduler", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The built-in ingress proxy (Traefik's role) behind the `IngressDeployer` seam: routes
        // compiled from Ingress, Service, EndpointSlice and Secret informers; HTTP/1.1 and HTTP/2
        // (ALPN) with TLS chosen by SNI, keep-alive pools to endpoints, upgrade pass-through.
        .target(
            name: "IngressProxy",
            dependencies: [
                "KubeAPI", "KubeClient", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "IngressProxyTests",
            dependencies: [
                "IngressProxy", "ClusterTesting", "KubeAPI", "KubeClient", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(name: "KubeAPIGenerator", exclude: ["Reference"]),
        .executableTarget(name: "DatastoreCrashWriter", dependencies: ["Datastore"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(
            name: "ContainerImagesTests",
            dependencies: ["ContainerImages", "ClusterTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "DatastoreTests", dependencies: ["Datastore", "ClusterTesting"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "ClusterTesting"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "ClusterTesting"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "KubeAPI", "KubeClient", "ClusterTesting"]),
        .testTarget(
            name: "KubeletTests",
            dependencies: [
                "Kubelet", "ContainerImages", "ClusterTesting", "KubeClient", "KubeAPI", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "ContainerRuntimeTests",
            dependencies: [
                "ContainerRuntime", "Kubelet", "NetOverlay", "ClusterTesting", "ContainerImages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "NetOverlayTests",
            dependencies: ["NetOverlay", "ClusterTesting", "KubeClient", "KubeAPI", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ControllersTests", dependencies: ["Controllers", "ClusterTesting", "KubeClient", "KubeAPI", "APIServer"]),
        .testTarget(
            name: "APIServerTests",
            dependencies: ["APIServer", "NodeJoinAPI", "ClusterTesting", .product(name: "NIOEmbedded", package: "swift-nio")],
            exclude: ["Fixtures"]),
        // Drives the built `k3s` executable with the real kubectl and the official Python client;
        // uses the project's own HTTPS client only to wait for the server.
        .testTarget(name: "EndToEndTests", dependencies: ["KubeClient", "ClusterTesting", "CSQLite"]),
        // Reads Package.swift and the `import` lines under Sources/; depends on nothing.
        .testTarget(name: "SeamsTests"),
    ],
    swiftLanguageModes: [.v6]
)
