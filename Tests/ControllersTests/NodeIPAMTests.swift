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

    @Test func badMaskAndForeignRanges() throws {
        #expect(throws: CIDRAllocatorError.invalidMaskSize(cluster: 16, node: 8)) { try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 8) }
        var allocator = try CIDRAllocator(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 24)
        #expect(throws: CIDRAllocatorError.outOfRange("10.43.0.0/24")) { try allocator.occupy("10.43.0.0/24") }
        #expect(throws: CIDRAllocatorError.outOfRange("10.42.0.0/25")) { try allocator.occupy("10.42.0.0/25") }
        #expect(throws: CIDRAllocatorError.outOfRange("10.42.0.7/24")) { try allocator.occupy("10.42.0.7/24") }
    }
}
