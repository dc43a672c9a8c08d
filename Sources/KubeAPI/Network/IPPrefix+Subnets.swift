extension IPPrefix {
    /// How many subnets of `length` the network holds (256 /24s in a /16), or `nil` when
    /// `length` is shorter than this prefix's, longer than the family allows, or the count is
    /// 2^128 (`::/0` cut into /128s).
    public func subnetCount(length: Int) -> UInt128? {
        guard (self.length...address.bitWidth).contains(length), length - self.length < 128 else { return nil }
        return UInt128(1) << UInt128(length - self.length)
    }

    /// The `index`-th subnet of `length`, counting from 0 at the network address (the 3rd /24
    /// of `10.42.0.0/16` is `10.42.3.0/24`), or `nil` when there is no such subnet.
    public func subnet(at index: UInt128, length: Int) -> IPPrefix? {
        guard (self.length...address.bitWidth).contains(length),
              index >> UInt128(length - self.length) == 0
        else { return nil }
        let value = network.value | index << UInt128(address.bitWidth - length)
        return IPPrefix(unchecked: IPAddress(family: family, value: value), length: length)
    }

    /// Where `subnet` stands among this network's subnets of its length (the inverse of
    /// ``subnet(at:length:)``), or `nil` when it is not inside this network or has host bits set.
    public func index(ofSubnet subnet: IPPrefix) -> UInt128? {
        guard subnet.isMasked, contains(subnet) else { return nil }
        return (subnet.address.value - network.value) >> UInt128(subnet.hostBitCount)
    }

    /// The subnets of `length` in address order; empty when `length` is shorter than this
    /// prefix's or longer than the family allows.
    public func subnets(length: Int) -> Subnets {
        Subnets(parent: self, length: length)
    }

    /// The subnets of one length inside a prefix, generated on demand.
    public struct Subnets: Sequence, Sendable {
        /// The network being cut.
        public let parent: IPPrefix
        /// The length of each subnet.
        public let length: Int

        /// Walks the subnets from the lowest.
        public struct Iterator: IteratorProtocol, Sendable {
            let parent: IPPrefix
            let length: Int
            var index: UInt128 = 0
            var finished = false

            /// The next subnet, or `nil` after the last.
            public mutating func next() -> IPPrefix? {
                guard !finished, let subnet = parent.subnet(at: index, length: length) else {
                    finished = true
                    return nil
                }
                let (following, overflow) = index.addingReportingOverflow(1)
                index = following
                finished = overflow
                return subnet
            }
        }

        /// A fresh iterator.
        public func makeIterator() -> Iterator { Iterator(parent: parent, length: length) }
    }
}
