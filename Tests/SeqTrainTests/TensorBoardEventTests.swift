import Foundation
import SeqTrain
import XCTest

/// The event-file encoder against a file written by TensorBoard's own writer
/// (`scripts/golden/make_tensorboard_fixture.py` → `Fixtures/tensorboard_events.json`).
final class TensorBoardEventTests: XCTestCase {
    /// The events the fixture script wrote, rebuilt from its description.
    func fixtureEvents(_ fixture: [String: Any]) throws -> [TensorBoardEvent] {
        try XCTUnwrap(fixture["events"] as? [[String: Any]]).map { event in
            let wallTime = try XCTUnwrap(event["wall_time"] as? Double)
            let step = Int64((event["step"] as? NSNumber)?.int64Value ?? 0)
            if let version = event["file_version"] as? String {
                return TensorBoardEvent(wallTime: wallTime, step: step, what: .fileVersion(version, writer: event["writer"] as? String))
            }
            if let scalars = event["scalars"] as? [[String: Any]] {
                return TensorBoardEvent(wallTime: wallTime, step: step, what: .summary(try scalars.map {
                    SummaryValue(tag: try XCTUnwrap($0["tag"] as? String), kind: .scalar(Float(try XCTUnwrap($0["value"] as? Double))))
                }))
            }
            let data: HParamsData
            if let start = event["hparams_start"] as? [String: Any] {
                let hparams = try XCTUnwrap(start["hparams"] as? [[Any]]).map { pair -> HParamsData.HParam in
                    let typed = try XCTUnwrap(pair[1] as? [String: Any])
                    let value: HParamsData.HParam.Value
                    if let number = typed["number"] as? Double { value = .number(number) }
                    else if let text = typed["string"] as? String { value = .string(text) }
                    else { value = .bool(try XCTUnwrap(typed["bool"] as? Bool)) }
                    return HParamsData.HParam(name: try XCTUnwrap(pair[0] as? String), value: value)
                }
                data = .sessionStart(hparams: hparams, groupName: try XCTUnwrap(start["group_name"] as? String),
                                     startTime: try XCTUnwrap(start["start_time_secs"] as? Double))
            } else {
                let end = try XCTUnwrap(event["hparams_end"] as? [String: Any])
                data = .sessionEnd(status: try XCTUnwrap(HParamsData.SessionStatus(rawValue: Int64(try XCTUnwrap(end["status"] as? Int)))),
                                   endTime: try XCTUnwrap(end["end_time_secs"] as? Double))
            }
            return TensorBoardEvent(wallTime: wallTime, step: step, what: .summary([SummaryValue(tag: data.tag, kind: .hparams(data))]))
        }
    }

    func testTheEncoderWritesTensorBoardsBytes() throws {
        let fixture = try fixture("tensorboard_events.json")
        let expected = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(fixture["file_base64"] as? String))))
        let events = try fixtureEvents(fixture)
        XCTAssertEqual(events.count, 9)
        let written = events.flatMap { TFRecord.frame($0.encoded()) }
        XCTAssertEqual(written.count, expected.count)
        XCTAssertEqual(written, expected, "byte for byte what TensorBoard's EventFileWriter wrote")
        // And TensorBoard's file reads back as the same events.
        let (records, tail) = TFRecord.records(in: expected)
        XCTAssertEqual(tail, 0)
        XCTAssertEqual(try records.map { try TensorBoardEvent(decoding: $0) }, events)
    }

    func testCRC32CAndItsMask() throws {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283, "the standard check value")
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        for vector in try XCTUnwrap(fixture("tensorboard_events.json")["crc32c"] as? [[String: Any]]) {
            let hex = try XCTUnwrap(vector["hex"] as? String)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            XCTAssertEqual(CRC32C.checksum(bytes), UInt32(try XCTUnwrap(vector["crc"] as? Int)), "crc of \(bytes.count) bytes")
            XCTAssertEqual(CRC32C.masked(bytes), UInt32(try XCTUnwrap(vector["masked"] as? Int)), "masked crc of \(bytes.count) bytes")
        }
    }

    func testReadingStopsAtATruncatedOrDamagedRecord() throws {
        let one = TFRecord.frame(TensorBoardEvent(wallTime: 1, step: 1, what: .summary([SummaryValue(tag: "a", kind: .scalar(1))])).encoded())
        let two = TFRecord.frame(TensorBoardEvent(wallTime: 2, step: 2, what: .summary([SummaryValue(tag: "a", kind: .scalar(2))])).encoded())
        XCTAssertEqual(TFRecord.records(in: one + two).records.count, 2)
        for cut in [1, 4, 5, two.count - 1] {
            let (records, tail) = TFRecord.records(in: one + two.dropLast(cut))
            XCTAssertEqual(records.count, 1, "a record cut \(cut) bytes short is left out")
            XCTAssertEqual(tail, two.count - cut)
        }
        var damaged = one + two
        damaged[one.count + 14] ^= 0x01  // a bit of the second record's data
        XCTAssertEqual(TFRecord.records(in: damaged).records.count, 1, "its checksum no longer matches")
        var header = one + two
        header[one.count] ^= 0x40  // the second record's length
        XCTAssertEqual(TFRecord.records(in: header).records.count, 1)
        XCTAssertThrowsError(try TensorBoardEvent(decoding: [0x0A, 0x05, 0x01][...]), "a length past the end")
        XCTAssertThrowsError(try TensorBoardEvent(decoding: [0x0B][...]), "wire type 3 is not used")
    }
}
