import ContainerImages
import Foundation

/// Images for tests on a machine with no registry, built at test time from what the machine
/// has (Debian's `busybox-static`) and written as OCI archives to drop into
/// `DATA_DIR/agent/images/` or import with `ctr`.
public enum TestImages {
    /// The name the busybox test image gets unless told otherwise.
    public static let busyboxName = "docker.io/k3s-swift/busybox:test"
    /// Where Debian's `busybox-static` installs its static binary.
    public static let busyboxBinary = "/bin/busybox"

    /// The applets linked into `/bin` (each a symlink to `busybox`): the shell and the tools
    /// tests use (`tar` for `kubectl cp`, `nc`/`httpd`/`wget` for network checks, ...).
    public static let busyboxApplets = [
        "[", "ash", "awk", "base64", "basename", "cat", "chmod", "chown", "cmp", "cp", "cut", "date", "dd", "df",
        "diff", "dirname", "du", "echo", "env", "expr", "false", "find", "free", "grep", "gunzip", "gzip", "head",
        "hexdump", "hostname", "httpd", "id", "ip", "kill", "killall", "less", "ln", "ls", "md5sum", "mkdir",
        "mkfifo", "mktemp", "more", "mount", "mv", "nc", "netstat", "nproc", "nslookup", "od", "pidof", "ping",
        "printf", "ps", "pwd", "readlink", "realpath", "rm", "rmdir", "sed", "seq", "sh", "sha256sum", "sleep",
        "sort", "stat", "sync", "tail", "tar", "tee", "test", "timeout", "top", "touch", "tr", "true", "umount",
        "uname", "uniq", "uptime", "usleep", "vi", "wc", "wget", "which", "whoami", "xargs", "yes", "zcat",
    ]

    /// The busybox image: `/bin/busybox` with ``busyboxApplets`` as symlinks, `/usr/bin/env`,
    /// `/etc/passwd` and `/etc/group` (root and nobody), `/tmp` (1777) and `/root`; the default
    /// command is `sh`.
    ///
    /// - Throws: when the busybox binary cannot be read or the name is invalid.
    public static func busybox(name: String = busyboxName, binaryPath: String = busyboxBinary) throws -> OCIImageArchive {
        let binary = Array(try Data(contentsOf: URL(fileURLWithPath: binaryPath)))
        var entries: [TarEntry] = [
            .file("bin/busybox", binary, mode: 0o755),
            .symlink("usr/bin/env", to: "/bin/busybox"),
            .file("etc/passwd", text: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
            .file("etc/group", text: "root:x:0:\nnogroup:x:65534:\n"),
            .directory("tmp", mode: 0o1777),
            .directory("root", mode: 0o700),
            .directory("proc"), .directory("sys"), .directory("dev"), .directory("var/tmp", mode: 0o1777),
        ]
        for applet in busyboxApplets { entries.append(.symlink("bin/" + applet, to: "busybox")) }
        return try OCIImageArchive(name: name, entries: entries, configuration: ImageConfiguration(cmd: ["sh"]))
    }

    /// Builds the busybox image and writes it to `path` (for example
    /// `DATA_DIR/agent/images/busybox.tar`).
    @discardableResult
    public static func writeBusybox(to path: String, name: String = busyboxName) throws -> OCIImageArchive {
        let archive = try busybox(name: name)
        try archive.write(to: path)
        return archive
    }
}
