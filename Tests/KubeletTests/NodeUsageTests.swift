import KubeAPI
import Testing
@testable import Kubelet

@Suite("Node usage from cgroups and /proc")
struct NodeUsageTests {
    @Test func cgroupV1ReadsTheRootCgroups() {
        let usage = NodeUsage(reading: FixedHostSystem.v1)
        #expect(NodeUsage.cgroupVersion(FixedHostSystem.v1) == .v1)
        #expect(usage.cpuUsageCoreNanoseconds == 16_810_296_856_814)
        #expect(usage.memoryUsageBytes == 5_000_000_000)
        #expect(usage.memoryWorkingSetBytes == 4_000_000_000)
        #expect(usage.memoryRSSBytes == 2_000_000_000)
        #expect(usage.pageFaults == 777)
        #expect(usage.majorPageFaults == 7)
        #expect(usage.pidMax == 32768)
        #expect(usage.processes == 183)
    }

    @Test func cgroupV2ReadsCpuStatAndMeminfo() {
        let usage = NodeUsage(reading: FixedHostSystem.v2)
        #expect(NodeUsage.cgroupVersion(FixedHostSystem.v2) == .v2)
        #expect(usage.cpuUsageCoreNanoseconds == 5_000_000_000)
        // MemTotal − MemFree = 6,000,000 kB, less 1,000,000 kB inactive file pages.
        #expect(usage.memoryUsageBytes == Int64(6_144_000_000))
        #expect(usage.memoryWorkingSetBytes == Int64(5_120_000_000))
        #expect(usage.memoryRSSBytes == 1_500_000_000)
        #expect(usage.majorPageFaults == 9)
    }

    @Test func withoutCgroupsCPUComesFromProcStat() {
        var host = FixedHostSystem.v1
        host.files["/sys/fs/cgroup/cpuacct/cpuacct.usage"] = nil
        host.files["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = nil
        let usage = NodeUsage(reading: host)
        // user 100 + nice 20 + system 30 + irq 6 + softirq 7 + steal 8 ticks, 10 ms each.
        #expect(usage.cpuUsageCoreNanoseconds == 171 * 10_000_000)
        #expect(usage.memoryWorkingSetBytes == Int64(5_120_000_000))
    }

    @Test func malformedTextGivesNothing() {
        #expect(NodeUsage.procStatCPU("intr 1 2 3\n") == nil)
        #expect(NodeUsage.loadavgTasks("0.1 0.2\n") == nil)
        #expect(NodeUsage.keyedValues("a b c\nx 5\n") == ["x": 5])
    }
}
