import KubeAPI
@testable import Kubelet

/// A `HostSystem` answering from fixed text, for machine, cgroup and /proc parsing tests.
struct FixedHostSystem: HostSystem {
    var files: [String: String]
    var directories: [String: [String]] = [:]
    var filesystems: [String: FilesystemUsage] = [:]
    var directoryUsage: [String: Int64] = [:]
    var release = "6.1.0-18-amd64"
    var machine = "x86_64"

    func readFile(_ path: String) -> String? { files[path] }
    func listDirectory(_ path: String) -> [String]? { directories[path] }
    func filesystemUsage(_ path: String) -> FilesystemUsage? { filesystems[path] }
    func kernel() -> (release: String, machine: String) { (release, machine) }
    func directoryUsageBytes(_ path: String) -> Int64? { directoryUsage[path] }

    static let gib: Int64 = 1 << 30

    /// The kubelet root's filesystem: 100 GiB, half free; a million inodes, 90% free.
    static let rootFilesystem = FilesystemUsage(capacityBytes: 100 * gib, availableBytes: 50 * gib, inodes: 1_000_000, inodesFree: 900_000)

    static let common: [String: String] = [
        "/proc/meminfo": "MemTotal:        8000000 kB\nMemFree:         2000000 kB\nMemAvailable:    5000000 kB\nInactive(file):  1000000 kB\nHugePages_Total:     512\n",
        "/proc/self/status": "Name:\tk3s\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\nMems_allowed_list:\t0\n",
        "/proc/cpuinfo": "processor\t: 0\nmodel name\t: Fake CPU\n\nprocessor\t: 1\nmodel name\t: Fake CPU\n",
        "/etc/machine-id": "0123456789abcdef0123456789abcdef\n",
        "/proc/sys/kernel/random/boot_id": "7943cdb0-e05b-4b90-9788-1ca72d946178\n",
        "/etc/os-release": "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n",
        "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "512\n",
        "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages": "0\n",
        "/proc/sys/kernel/pid_max": "32768\n",
        "/proc/sys/kernel/threads-max": "95000\n",
        "/proc/loadavg": "0.50 0.40 0.30 2/183 24039\n",
        "/proc/stat": "cpu  100 20 30 4000 50 6 7 8 0 0\ncpu0 50 10 15 2000 25 3 3 4 0 0\n",
    ]

    /// A cgroup v1 machine: 4 CPUs allowed, 8,192,000,000 bytes, root cgroup using 5 GB of which
    /// 1 GB inactive file pages.
    static var v1: FixedHostSystem {
        var files = common
        files["/sys/fs/cgroup/cpuacct/cpuacct.usage"] = "16810296856814\n"
        files["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = "5000000000\n"
        files["/sys/fs/cgroup/memory/memory.stat"] =
            "cache 10\nrss 20\ninactive_file 65536\ntotal_cache 3000000000\ntotal_rss 2000000000\ntotal_pgfault 777\ntotal_pgmajfault 7\ntotal_inactive_file 1000000000\n"
        return FixedHostSystem(
            files: files,
            directories: ["/sys/kernel/mm/hugepages": ["hugepages-1048576kB", "hugepages-2048kB"]],
            filesystems: ["/var/lib/kubelet": rootFilesystem])
    }

    /// A cgroup v2 machine: CPU from the root `cpu.stat`, memory from `/proc/meminfo`.
    static var v2: FixedHostSystem {
        var files = common
        files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory hugetlb pids\n"
        files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 5000000\nuser_usec 3000000\nsystem_usec 2000000\n"
        files["/sys/fs/cgroup/memory.stat"] = "anon 1500000000\nfile 3000000000\npgfault 900\npgmajfault 9\n"
        return FixedHostSystem(files: files, filesystems: ["/var/lib/kubelet": rootFilesystem])
    }
}
