// The nft plumbing moved to its own module (shared with NetworkPolicy); re-exported so code that
// reaches `CommandNFTablesRunner` and the other runner types through `import ServiceProxy` keeps
// building unchanged.
@_exported import NFTables
