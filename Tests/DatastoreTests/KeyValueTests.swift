import Testing
import Datastore

@Suite struct DatastoreErrorTests {
    @Test func messagesNameTheKey() {
        #expect(DatastoreError.alreadyExists(key: "/registry/a").description.contains("/registry/a"))
        #expect(DatastoreError.valueTooLarge(key: "/registry/b", size: 2_000_000, limit: maximumValueSize).description.contains("1572864"))
    }
}
