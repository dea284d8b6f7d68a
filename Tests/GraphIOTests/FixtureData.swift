import Foundation

/// Binary reference files, embedded so the test target has no resource files.
///
/// The `.npy`/`.npz` files were written by `numpy.save`, `numpy.savez` and
/// `numpy.savez_compressed` (numpy 2.4) at development time:
///
/// ```python
/// import numpy as np
/// np.save('float32_2x3.npy', np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1)
/// np.save('float64_4.npy', np.array([1.5, -2.25, 1e-300, 3.0]))
/// np.save('int32_3x2.npy', np.array([[1, -2], [3, 4], [2**31 - 1, -2**31]], dtype=np.int32))
/// np.save('int64_5.npy', np.array([0, 1, -1, 2**40, 7], dtype=np.int64))
/// np.save('float64_scalar.npy', np.float64(2.5))
/// np.save('empty_12345678x0.npy', np.zeros((12345678, 0), dtype=np.float32))
/// np.save('empty_0x7.npy', np.zeros((0, 7), dtype=np.int64))
/// np.save('fortran_2x3.npy', np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
/// np.save('bigendian_3.npy', np.array([1, 2, 3], dtype='>f4'))
/// np.save('uint8_3.npy', np.array([1, 2, 3], dtype=np.uint8))
/// feats = np.array([[0.25, 1.0, -3.5], [2.0, 0.0, 7.125]], dtype=np.float32)
/// labels = np.array([3, 1, 4, 1, 5], dtype=np.int64)
/// np.savez('stored.npz', features=feats, labels=labels)
/// np.savez_compressed('deflated.npz', features=feats, labels=labels)
/// ```
///
/// `tiny_hgb.zip` (deflated, members under `tiny/`, CRLF `link.dat`, an `info.dat` whose counts
/// are wrong) holds ``HGBDatasetTests/tinyFiles`` plus `info.dat`; `bad_link_hgb.zip` has the
/// same `node.dat` and `label.dat` (members under `bad/`) and a `link.dat` whose line 2 is
/// `0<TAB>abc<TAB>0<TAB>1.0`. Both were written with Python's `zipfile`; tiny_hgb.zip's
/// `label.dat.test_full` was later replaced in place (it listed training node 1, now an error)
/// by content whose deflated size is unchanged, so every offset stays the same.
enum FixtureData {
    /// Base64 of each file.
    static let base64: [String: String] = [
        "bad_link_hgb.zip": """
            UEsDBBQAAAAIAIGNfV1VV1McOAAAAEIAAAAMAAAAYmFkL25vZGUuZGF0DYqxDcAwDMNm6RansOzkoAzdPfR/VOBAEGBiEuY5
            IQojx1LUu8TClLNjc+MKYuOmdfAlCt6i+QNQSwMEFAAAAAgAgY19Xb4tD5UTAAAAGAAAAAwAAABiYWQvbGluay5kYXQz4DTm
            NOA01DPg5TLgTExKhnEAUEsDBBQAAAAIAIGNfV1Z1gQGEgAAABIAAAANAAAAYmFkL2xhYmVsLmRhdDPg5DTgNOQy5CwwBDIM
            dIy4AFBLAQIUAxQAAAAIAIGNfV1VV1McOAAAAEIAAAAMAAAAAAAAAAAAAACAAQAAAABiYWQvbm9kZS5kYXRQSwECFAMUAAAA
            CACBjX1dvi0PlRMAAAAYAAAADAAAAAAAAAAAAAAAgAFiAAAAYmFkL2xpbmsuZGF0UEsBAhQDFAAAAAgAgY19XVnWBAYSAAAA
            EgAAAA0AAAAAAAAAAAAAAIABnwAAAGJhZC9sYWJlbC5kYXRQSwUGAAAAAAMAAwCvAAAA3AAAAAAA
            """,
        "bigendian_3.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAEBAAAA=
            """,
        "deflated.npz": """
            UEsDBC0AAAAIAAAAIQAK+FUK//////////8MABQAZmVhdHVyZXMubnB5AQAQAJgAAAAAAAAAWQAAAAAAAACb7BfqGxDJyFDG
            UK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgrGmjoKtQpkAy4GhgY7ILZnYEg4wMDA
            4MAABk8cAFBLAwQtAAAACAAAACEA7rAWeP//////////CgAUAGxhYmVscy5ucHkBABAAqAAAAAAAAABQAAAAAAAAAJvsF+ob
            EMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GqY6mjoKtQoUAC5mBghghNIsaHxW
            KA0AUEsBAi0DLQAAAAgAAAAhAAr4VQpZAAAAmAAAAAwAAAAAAAAAAAAAAIABAAAAAGZlYXR1cmVzLm5weVBLAQItAy0AAAAI
            AAAAIQDusBZ4UAAAAKgAAAAKAAAAAAAAAAAAAACAAZcAAABsYWJlbHMubnB5UEsFBgAAAAACAAIAcgAAACMBAAAAAA==
            """,
        "empty_0x7.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDcpLCB9ICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=
            """,
        "empty_12345678x0.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEyMzQ1Njc4LCAw
            KSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=
            """,
        "float32_2x3.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/
            AACAPwAAwD8=
            """,
        "float64_4.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALA
            WfP4wh9upQEAAAAAAAAIQA==
            """,
        "float64_scalar.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==
            """,
        "fortran_2x3.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBA
            AAAAQAAAoEA=
            """,
        "int32_3x2.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAA/v///wMAAAAEAAAA
            ////fwAAAIA=
            """,
        "int64_5.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDUsKSwgfSAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAEAAAAAAAAA
            //////////8AAAAAAAEAAAcAAAAAAAAA
            """,
        "stored.npz": """
            UEsDBC0AAAAAAAAAIQAK+FUK//////////8MABQAZmVhdHVyZXMubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYA
            eydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAgD4AAIA/AABgwAAAAEAAAAAAAADkQFBL
            AwQtAAAAAAAAACEA7rAWeP//////////CgAUAGxhYmVscy5ucHkBABAAqAAAAAAAAACoAAAAAAAAAJNOVU1QWQEAdgB7J2Rl
            c2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICg1LCksIH0gICAgICAgICAgICAgICAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAwAAAAAAAAABAAAAAAAAAAQAAAAAAAAAAQAAAAAA
            AAAFAAAAAAAAAFBLAQItAy0AAAAAAAAAIQAK+FUKmAAAAJgAAAAMAAAAAAAAAAAAAACAAQAAAABmZWF0dXJlcy5ucHlQSwEC
            LQMtAAAAAAAAACEA7rAWeKgAAACoAAAACgAAAAAAAAAAAAAAgAHWAAAAbGFiZWxzLm5weVBLBQYAAAAAAgACAHIAAAC6AQAA
            AAA=
            """,
        "tiny_hgb.zip": """
            UEsDBBQAAAAIAIGNfV0AAAAAAgAAAAAAAAAFAAAAdGlueS8DAFBLAwQUAAAACACBjX1dVVdTHDgAAABCAAAADQAAAHRpbnkv
            bm9kZS5kYXQNirENwDAMw2bpFqew7OSgDN099H9U4EAQYGIS5jkhCiPHUtS7xMKUs2Nz4wpi46Z18CUK3qL5A1BLAwQUAAAA
            CACBjX1d2/cByy8AAABjAAAADQAAAHRpbnkvbGluay5kYXRFysENACAIQ9FzTVyFUIT9VxONjbf3mzoWHDSfg5+BFO8mUkyE
            6KiOsBJ5yMc+bFBLAwQUAAAACACBjX1dWdYEBhIAAAASAAAADgAAAHRpbnkvbGFiZWwuZGF0M+DkNOA05DLkLDAEMgx0jLgA
            UEsDBBQAAAAIAIGNfV39JtB6CQAAAAcAAAATAAAAdGlueS9sYWJlbC5kYXQudGVzdDPi5DTgNOICAFBLAwQUAAAACACBjX1d
            2SqZ1Q0AAAALAAAAGAAAAHRpbnkvbGFiZWwuZGF0LnRlc3RfZnVsbDPi5DTgNOJSVqjgAgBQSwMEFAAAAAgAgY19Xe7/4j/d
            AAAAdQMAAA0AAAB0aW55L2luZm8uZGF0nZLNDoIwEITvPAXZMxjgYvDmz9mTL1DCRhuhEFgOhvDu0mKQhoWgHGda5tvttI7b
            f6CKFHepIDi4rVFG1aVXiZZsrKCXoBQlVuDZTqgd0dCjmFmRtgirHEa9+x6BI1Elk4bQvcgcVS0LtRC8Z0MDNi+YhDmTSMik
            es5n1urKzLZk5JpEpX8SeHMPVdo7IePkKJRU93GN/mdl1smOGXOFgMsZCDi2CcGQ7Q/vuUoQ/buDaMsO7G6Y/KXHEwlmPzeW
            ITd9OgJDZzp14hzTq/M20KsmuhUkMn0pjmNwujdQSwECFAMUAAAACACBjX1dAAAAAAIAAAAAAAAABQAAAAAAAAAAABAA/UEA
            AAAAdGlueS9QSwECFAMUAAAACACBjX1dVVdTHDgAAABCAAAADQAAAAAAAAAAAAAAgAElAAAAdGlueS9ub2RlLmRhdFBLAQIU
            AxQAAAAIAIGNfV3b9wHLLwAAAGMAAAANAAAAAAAAAAAAAACAAYgAAAB0aW55L2xpbmsuZGF0UEsBAhQDFAAAAAgAgY19XVnW
            BAYSAAAAEgAAAA4AAAAAAAAAAAAAAIAB4gAAAHRpbnkvbGFiZWwuZGF0UEsBAhQDFAAAAAgAgY19Xf0m0HoJAAAABwAAABMA
            AAAAAAAAAAAAAIABIAEAAHRpbnkvbGFiZWwuZGF0LnRlc3RQSwECFAMUAAAACACBjX1d2SqZ1Q0AAAALAAAAGAAAAAAAAAAA
            AAAAgAFaAQAAdGlueS9sYWJlbC5kYXQudGVzdF9mdWxsUEsBAhQDFAAAAAgAgY19Xe7/4j/dAAAAdQMAAA0AAAAAAAAAAAAA
            AIABnQEAAHRpbnkvaW5mby5kYXRQSwUGAAAAAAcABwCnAQAApQIAAAAA
            """,
        "uint8_3.npy": """
            k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAg
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAgM=
            """,
    ]

    /// The bytes of fixture `name`.
    static func bytes(_ name: String) -> [UInt8] {
        guard let text = base64[name] else { fatalError("no fixture \(name)") }
        return Array(Data(base64Encoded: text.filter { !$0.isWhitespace })!)
    }

    /// Fixture `name` written to a fresh temporary folder; returns its path.
    static func path(_ name: String) -> String {
        TestFiles.write(bytes: bytes(name), to: name, in: TestFiles.temporaryFolder())
    }
}
