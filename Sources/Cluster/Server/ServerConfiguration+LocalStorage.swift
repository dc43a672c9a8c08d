extension ServerConfiguration {
    /// Where local-path volumes are made on the nodes: `DATA_DIR/storage`, K3s's default
    /// (`/var/lib/rancher/k3s/storage`). The provisioner writes this path into each volume; a
    /// node removes only directories under its own `DATA_DIR/storage`.
    public var localStoragePath: String { dataDir.trimmingTrailingSlash() + "/storage" }
}
