/// Plain-text tables as Go's `tabwriter` lays them out (what K3s's `certificate check --output
/// table` and `etcd-snapshot ls` print): each column padded to its widest cell plus `gap`
/// spaces, the last column unpadded.
public enum TextTable {
    /// The rows, one line each, every line ending in a newline.
    public static func render(_ rows: [[String]], gap: Int) -> String {
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index == widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in rows {
            for (index, cell) in row.enumerated() {
                out += index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + gap)
            }
            out += "\n"
        }
        return out
    }
}
