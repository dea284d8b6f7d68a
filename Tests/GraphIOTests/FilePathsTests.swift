import GraphIO
import Testing

@Suite("File paths")
struct FilePathsTests {
    @Test(arguments: [
        ("a/b/c", "a/b"), ("a/b/", "a"), ("a//b", "a"), ("m", "."), ("m/", "."), ("/m", "/"), ("/", "/"),
        (".", "."), ("./m", "."), ("/a/b", "/a"), ("", "."),
    ])
    func parentFolder(path: String, parent: String) {
        #expect(FilePaths.parent(of: path) == parent)
    }
}
