import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("CIDR allocator")
struct CIDRAllocatorTests {
    @Test func allocatesInOrderAndNeverTwice() throws {
        var allocator = try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 24)
        #expect(allocator.capacity == 256)
        #expect(try allocator.allocate() == "10.42.0.0/24")
        try allocator.occupy("10.42.1.0/24")
        #expect(try allocator.allocate() == "10.42.2.0/24")
        try allocator.release("10.42.0.0/24")
        #expect(!allocator.isAllocated("10.42.0.0/24"))
        #expect(allocator.isAllocated("10.42.1.0/24"))
        #expect(try allocator.occupy("10.42.1.0/24") == false)
    }

    @Test func exhaustionIsAnError() throws {
        var allocator = try CIDRAllocator(clusterCIDR: "10.42.0.0/23", nodeMaskSize: 24)
        let first = try allocator.allocate()
        let second = try allocator.allocate()
        #expect(Set([first, second]) == ["10.42.0.0/24", "10.42.1.0/24"])
        #expect(throws: CIDRAllocatorError.exhausted("10.42.0.0/23")) { try allocator.allocate() }
        try allocator.release(second)
        #expect(try allocator.allocate() == second)
    }

    @Test(arguments: ["10.42.0.0", "10.42.0/16", "300.1.1.1/16", "10.42.0.0/33", "a.b.c.d/8", ""])
    func malformedClusterCIDRs(_ text: String) {
        #expect(throws: CIDRAllocatorError.invalidCIDR(text)) { try CIDRAllocator(clusterCIDR: text, nodeMaskSize: 24) }
    }

    @Test func cutsIPv6RangesAndMasksTheClusterRange() throws {
        var allocator = try CIDRAllocator(clusterCIDR: "fd00:42::/56", nodeMaskSize: 64)
        #expect(allocator.capacity == 256)
        #expect(try allocator.allocate() == "fd00:42::/64")
        #expect(try allocator.allocate() == "fd00:42:0:1::/64")
        #expect(throws: CIDRAllocatorError.outOfRange("fd00:43::/64")) { try allocator.occupy("fd00:43::/64") }
        let written = try CIDRAllocator(clusterCIDR: "10.42.7.9/16", nodeMaskSize: 24)
        #expect(written.clusterCIDR.description == "10.42.0.0/16")
    }

    @Test func badMaskAndForeignRanges() throws {
        #expect(throws: CIDRAllocatorError.invalidMaskSize(cluster: 16, node: 33)) { try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 33) }
        #expect(throws: CIDRAllocatorError.invalidMaskSize(cluster: 0, node: 32)) { try CIDRAllocator(clusterCIDR: "0.0.0.0/0", nodeMaskSize: 32) }
        #expect(try CIDRAllocator(clusterCIDR: "10.0.0.0/8", nodeMaskSize: 32).capacity == 1 << 24)
        #expect(throws: CIDRAllocatorError.invalidMaskSize(cluster: 16, node: 8)) { try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 8) }
        var allocator = try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 24)
        #expect(throws: CIDRAllocatorError.outOfRange("10.43.0.0/24")) { try allocator.occupy("10.43.0.0/24") }
        #expect(throws: CIDRAllocatorError.outOfRange("10.42.0.0/25")) { try allocator.occupy("10.42.0.0/25") }
        #expect(throws: CIDRAllocatorError.outOfRange("10.42.0.7/24")) { try allocator.occupy("10.42.0.7/24") }
        #expect(throws: CIDRAllocatorError.invalidCIDR("10.42.0.0")) { try allocator.release("10.42.0.0") }
        #expect(!allocator.isAllocated("10.42.0.7/24"))
    }
}
