import KubeAPI

/// Adapts ``TablePrinter`` to the REST handler's ``TableConvertor`` seam.
struct PrinterTableConvertor: TableConvertor {
    let printer: TablePrinter

    func table(
        for objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue?, includeObject: String?
    ) -> JSONValue? {
        printer.table(for: objects, descriptor: descriptor, listMeta: listMetadata, includeObject: includeObject)
    }
}
