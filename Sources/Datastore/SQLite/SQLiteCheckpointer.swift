import CSQLite
import Dispatch
import Synchronization

/// Copies committed WAL frames into the database file on its own connection and thread, so the
/// writer's commits never stop for a checkpoint's page copies and syncs.
///
/// The writer asks for a pass (``request()``) once the WAL holds ``SQLiteWriter/WALLimits/pages``
/// frames that no pass has copied yet. A pass is a `PASSIVE` checkpoint: it takes no write lock,
/// never waits for anyone, copies what it can (frames no open reader still needs) and syncs the
/// database. Requests that arrive while a pass runs are folded into one more pass. Rewinding the
/// WAL to its start needs every frame copied at the moment a write transaction begins, which a
/// busy writer never sees from here: that last step is the writer's (see ``SQLiteWriter``).
final class SQLiteCheckpointer: Sendable {
    private struct State {
        var connection: SQLiteConnection?
        var running = false
        var again = false
        var closed = false
        /// The WAL frames copied into the database by the last pass, and the WAL's length then.
        var backfilled: Int32 = 0
        var passes = 0
    }

    private let queue: DispatchQueue
    private let state: Mutex<State>

    /// Takes ownership of `connection`, a read-write connection to the store in WAL mode that is
    /// used for nothing else.
    init(connection: SQLiteConnection, label: String) {
        self.queue = DispatchQueue(label: label, qos: .utility)
        self.state = Mutex(State(connection: connection))
    }

    /// The frames the last pass copied (0 before the first pass).
    var backfilledFrames: Int32 {
        state.withLock { $0.backfilled }
    }

    /// Passes run so far.
    var passes: Int {
        state.withLock { $0.passes }
    }

    /// Starts a pass, or another one after the pass that is running. Never blocks.
    func request() {
        let start = state.withLock { state -> Bool in
            guard !state.closed, state.connection != nil else { return false }
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    /// Forgets the copied-frame count after the WAL was rewound to its start.
    func walRestarted() {
        state.withLock { $0.backfilled = 0 }
    }

    /// Waits for a running pass, then closes the connection. Later requests are ignored.
    func close() async {
        state.withLock { $0.closed = true }
        // The queue is serial: this runs after a pass in progress.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                let connection = self.state.withLock { $0.connection.take() }
                connection?.close()
                continuation.resume()
            }
        }
    }

    private func run() {
        while true {
            let connection = state.withLock { state -> SQLiteConnection? in
                state.closed ? nil : state.connection
            }
            guard let connection else {
                state.withLock { $0.running = false }
                return
            }
            var walFrames: Int32 = 0
            var copied: Int32 = 0
            // A busy result (another checkpoint is running) or an I/O error leaves the WAL as it
            // is; the next request tries again, and the writer's own checkpoint is the backstop.
            let rc = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied)
            let more = state.withLock { state -> Bool in
                if rc == SQLITE_OK {
                    state.backfilled = copied
                    state.passes += 1
                }
                if state.again && !state.closed {
                    state.again = false
                    return true
                }
                state.running = false
                return false
            }
            if !more { return }
        }
    }
}
