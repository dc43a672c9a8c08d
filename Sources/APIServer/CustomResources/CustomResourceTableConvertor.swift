import KubeAPI

/// Server-side Tables for every kind: custom resources get their `additionalPrinterColumns`
/// (or name and age), built-in kinds their usual columns.
public struct CustomResourceTableConvertor: TableConvertor {
    /// The custom resources served.
    public let catalog: CustomResourceCatalog
    /// The printer.
    public let printer: TablePrinter

    /// Creates the convertor.
    public init(catalog: CustomResourceCatalog, printer: TablePrinter = TablePrinter()) {
        self.catalog = catalog
        self.printer = printer
    }

    /// See ``TableConvertor/table(for:descriptor:listMetadata:includeObject:)``.
    public func table(
        for objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue?, includeObject: String?
    ) -> JSONValue? {
        let columns = catalog.resource(for: descriptor)?.printerColumns
        return printer.table(for: objects, descriptor: descriptor, listMeta: listMetadata, includeObject: includeObject, printerColumns: columns)
    }
}
