import Foundation
import KubeAPI
import Testing
@testable import Kubelet

@Suite("Machine facts")
struct MachineInfoTests {
    @Test func aMachineIsReadFromItsFiles() {
        let machine = MachineInfo(reading: FixedHostSystem.v1, rootDirectory: "/var/lib/kubelet")
        #expect(machine.cpuCount == 4)
        #expect(machine.memoryBytes == Int64(8_192_000_000))
        #expect(machine.hugepages == ["hugepages-2Mi": 512 * 2 << 20, "hugepages-1Gi": 0])
        #expect(machine.rootFilesystem == FixedHostSystem.rootFilesystem)
        #expect(machine.bootID == "7943cdb0-e05b-4b90-9788-1ca72d946178")
        #expect(machine.machineID == "0123456789abcdef0123456789abcdef")
        #expect(machine.systemUUID == "01234567-89ab-cdef-0123-456789abcdef")
        #expect(machine.kernelVersion == "6.1.0-18-amd64")
        #expect(machine.osImage == "Debian GNU/Linux 12 (bookworm)")
        #expect(machine.architecture == "amd64")
        #expect(machine.operatingSystem == "linux")
    }

    @Test func theCPUCountFallsBackToOnlineCPUsThenCpuinfo() {
        var host = FixedHostSystem.v1
        host.files["/proc/self/status"] = nil
        host.files["/sys/devices/system/cpu/online"] = "0-5,8\n"
        #expect(MachineInfo(reading: host, rootDirectory: "/").cpuCount == 7)
        host.files["/sys/devices/system/cpu/online"] = nil
        #expect(MachineInfo(reading: host, rootDirectory: "/").cpuCount == 2)
    }

    @Test func theFirmwareUUIDWinsAndMissingFactsAreEmpty() {
        var host = FixedHostSystem.v1
        host.files["/sys/class/dmi/id/product_uuid"] = "4C4C4544-0042-3510-8052-B4C04F335732\n"
        host.files["/etc/os-release"] = nil
        host.machine = "aarch64"
        let machine = MachineInfo(reading: host, rootDirectory: "/elsewhere")
        #expect(machine.systemUUID == "4C4C4544-0042-3510-8052-B4C04F335732")
        #expect(machine.osImage == "Linux")
        #expect(machine.architecture == "arm64")
        #expect(machine.rootFilesystem == nil)
    }

    @Test(arguments: [("0-3", 4), ("0", 1), ("0-3,6,8-9", 7), ("", 0), ("3-1", 0), ("a", 0)])
    func cpuLists(_ text: String, _ count: Int) {
        #expect(MachineInfo.cpuListCount(text) == count)
    }

    @Test func meminfoValuesAreBytes() {
        let values = MachineInfo.meminfo(FixedHostSystem.common["/proc/meminfo"]!)
        #expect(values["MemTotal"] == Int64(8_192_000_000))
        #expect(values["Inactive(file)"] == Int64(1_024_000_000))
        #expect(values["HugePages_Total"] == 512)
    }

    @Test(arguments: [("x86_64", "amd64"), ("aarch64", "arm64"), ("armv7l", "arm"), ("i686", "386"), ("s390x", "s390x"), ("riscv64", "riscv64")])
    func architectures(_ machine: String, _ go: String) {
        #expect(MachineInfo.goArchitecture(machine) == go)
    }

    @Test func osReleaseValuesAreUnquoted() {
        #expect(MachineInfo.osReleaseValue("ID=debian\nPRETTY_NAME='Alpine Linux v3.20'\n", key: "PRETTY_NAME") == "Alpine Linux v3.20")
        #expect(MachineInfo.osReleaseValue("PRETTY_NAME=Plain\n", key: "PRETTY_NAME") == "Plain")
        #expect(MachineInfo.osReleaseValue("NAME=x\n", key: "PRETTY_NAME") == nil)
    }

    @Test func directoryUsageCountsAllocatedBlocksWithoutFollowingLinks() async throws {
        try await withTemporaryDirectory { directory in
            let host = LinuxHostSystem()
            let empty = try #require(host.directoryUsageBytes(directory))
            try FileManager.default.createDirectory(atPath: directory + "/a/b", withIntermediateDirectories: true)
            try Data(repeating: 7, count: 300_000).write(to: URL(fileURLWithPath: directory + "/a/b/big"))
            // A link to a large tree outside counts as the link alone.
            try FileManager.default.createSymbolicLink(atPath: directory + "/a/usr", withDestinationPath: "/usr")
            let used = try #require(host.directoryUsageBytes(directory))
            #expect(used - empty >= 300_000 && used - empty < 400_000)
            #expect(host.directoryUsageBytes(directory + "/missing") == nil)
        }
    }

    @Test func theRealMachineHasPlausibleFacts() {
        let host = LinuxHostSystem()
        let machine = MachineInfo(reading: host, rootDirectory: "/")
        #expect(machine.cpuCount > 0)
        #expect(machine.memoryBytes > 64 << 20)
        #expect(!machine.kernelVersion.isEmpty)
        #expect(!machine.osImage.isEmpty)
        #expect(machine.bootID.count == 36)
        #expect((machine.rootFilesystem?.capacityBytes ?? 0) > 0)
        let usage = NodeUsage(reading: host)
        #expect((usage.cpuUsageCoreNanoseconds ?? 0) > 0)
        #expect((usage.memoryWorkingSetBytes ?? 0) > 0)
        #expect((usage.memoryWorkingSetBytes ?? 0) <= machine.memoryBytes)
        #expect((usage.pidMax ?? 0) > (usage.processes ?? .max))
    }
}
