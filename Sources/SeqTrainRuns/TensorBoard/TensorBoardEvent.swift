/// One record of a TensorBoard event file: TensorFlow's `Event` protobuf, with the fields seqtrain
/// writes and reads back. Field numbers are those of `tensorboard/compat/proto/event.proto`,
/// `summary.proto` and the HParams plugin's `plugin_data.proto`.
public struct TensorBoardEvent: Equatable {
    /// Seconds since 1970 when the event was written (`wall_time`, field 1).
    public var wallTime: Double
    /// The training step, for seqtrain the epoch (`step`, field 2).
    public var step: Int64
    /// What the event holds.
    public var what: What

    /// The `what` of an event.
    public enum What: Equatable {
        /// The first record of a file: `file_version` (field 3) and the writer (`source_metadata`, field 10).
        case fileVersion(String, writer: String?)
        /// A `Summary` (field 5): tagged values.
        case summary([SummaryValue])
    }

    /// Creates an event.
    public init(wallTime: Double, step: Int64, what: What) {
        self.wallTime = wallTime
        self.step = step
        self.what = what
    }

    /// The event's protobuf bytes (proto3: zero wall time and step are left out).
    public func encoded() -> [UInt8] {
        var out = ProtoWriter()
        if wallTime != 0 { out.double(1, wallTime) }
        if step != 0 { out.varint(2, step) }
        switch what {
        case .fileVersion(let version, let writer):
            out.string(3, version)
            if let writer { out.message(10) { $0.string(1, writer) } }
        case .summary(let values):
            out.message(5) { summary in
                for value in values { summary.message(1) { value.encode(into: &$0) } }
            }
        }
        return out.bytes
    }

    /// Reads an event's protobuf bytes.
    public init(decoding bytes: ArraySlice<UInt8>) throws {
        var reader = ProtoReader(bytes)
        var wallTime = 0.0, step: Int64 = 0, version: String?, writer: String?, values: [SummaryValue] = []
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, _): wallTime = value.double ?? 0
            case (2, .varint(let raw)): step = Int64(bitPattern: raw)
            case (3, _): version = value.string
            case (5, .bytes(let summary)):
                var inner = ProtoReader(summary)
                while let (field, value) = try inner.next() {
                    if field == 1, case .bytes(let bytes) = value { values.append(try SummaryValue(decoding: bytes)) }
                }
            case (10, .bytes(let metadata)):
                var inner = ProtoReader(metadata)
                while let (field, value) = try inner.next() {
                    if field == 1 { writer = value.string }
                }
            default: break
            }
        }
        self.init(wallTime: wallTime, step: step, what: version.map { .fileVersion($0, writer: writer) } ?? .summary(values))
    }
}

/// One tagged value of a summary (`Summary.Value`).
public struct SummaryValue: Equatable {
    /// The name TensorBoard shows (`tag`, field 1).
    public var tag: String
    /// The value.
    public var kind: Kind

    /// The kinds of value seqtrain writes.
    public enum Kind: Equatable {
        /// A scalar (`simple_value`, field 2), which TensorBoard's scalar dashboard plots.
        case scalar(Float)
        /// HParams plugin data (`metadata`, field 9, with an empty float tensor, field 8, as TensorBoard writes it).
        case hparams(HParamsData)
    }

    /// Creates a value.
    public init(tag: String, kind: Kind) {
        self.tag = tag
        self.kind = kind
    }

    /// The empty float tensor TensorBoard stores with plugin data (dtype DT_FLOAT, shape [0]).
    static let nullTensor: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x12, 0x00]

    func encode(into out: inout ProtoWriter) {
        out.string(1, tag)
        switch kind {
        case .scalar(let value):
            out.float(2, value)
        case .hparams(let data):
            out.bytes(8, Self.nullTensor)
            out.message(9) { metadata in
                metadata.message(1) { plugin in
                    plugin.string(1, "hparams")
                    plugin.bytes(2, data.encoded())
                }
            }
        }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var reader = ProtoReader(bytes)
        var tag = "", kind = Kind.scalar(.nan)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, _): tag = value.string ?? ""
            case (2, .fixed32(let bits)): kind = .scalar(Float(bitPattern: bits))
            case (9, .bytes(let metadata)):
                var inner = ProtoReader(metadata)
                while let (field, value) = try inner.next() {
                    guard field == 1, case .bytes(let pluginData) = value else { continue }
                    var plugin = ProtoReader(pluginData)
                    var name = "", content = ArraySlice<UInt8>()
                    while let (field, value) = try plugin.next() {
                        if field == 1 { name = value.string ?? "" }
                        if field == 2, case .bytes(let bytes) = value { content = bytes }
                    }
                    if name == "hparams" { kind = .hparams(try HParamsData(decoding: content)) }
                }
            default: break
            }
        }
        self.init(tag: tag, kind: kind)
    }
}

/// The HParams plugin's data (`HParamsPluginData`, plugin data version 0): a training session's
/// start, with its hyperparameter values, or its end, with its status.
public enum HParamsData: Equatable {
    /// `session_start_info` (field 3): the values (`hparams`, a map), the group (4) and start time (5).
    case sessionStart(hparams: [HParam], groupName: String, startTime: Double)
    /// `session_end_info` (field 4): the status (1) and end time (2).
    case sessionEnd(status: SessionStatus, endTime: Double)

    /// The tag TensorBoard files each kind under.
    public var tag: String {
        switch self {
        case .sessionStart: return "_hparams_/session_start_info"
        case .sessionEnd: return "_hparams_/session_end_info"
        }
    }

    /// How a session ended (the plugin's `Status` enum).
    public enum SessionStatus: Int64, Equatable {
        /// Not known.
        case unknown = 0
        /// Trained to the end.
        case success = 1
        /// Failed.
        case failure = 2
        /// Still training.
        case running = 3
    }

    /// One hyperparameter's value (a `google.protobuf.Value`).
    public struct HParam: Equatable {
        /// The hyperparameter, e.g. `train.optimizer.learning_rate`.
        public var name: String
        /// Its value.
        public var value: Value

        /// The kinds of value the dashboard sorts and filters by.
        public enum Value: Equatable {
            /// `number_value` (field 2).
            case number(Double)
            /// `string_value` (field 3).
            case string(String)
            /// `bool_value` (field 4).
            case bool(Bool)
        }

        /// Creates a value.
        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    func encoded() -> [UInt8] {
        var out = ProtoWriter()  // version 0 is the default, left out
        switch self {
        case .sessionStart(let hparams, let groupName, let startTime):
            out.message(3) { info in
                for hparam in hparams {
                    info.message(1) { entry in
                        entry.string(1, hparam.name)
                        entry.message(2) { value in
                            switch hparam.value {
                            case .number(let number): value.double(2, number)
                            case .string(let text): value.string(3, text)
                            case .bool(let flag): value.varint(4, flag ? 1 : 0)
                            }
                        }
                    }
                }
                if !groupName.isEmpty { info.string(4, groupName) }
                if startTime != 0 { info.double(5, startTime) }
            }
        case .sessionEnd(let status, let endTime):
            out.message(4) { info in
                if status != .unknown { info.varint(1, status.rawValue) }
                if endTime != 0 { info.double(2, endTime) }
            }
        }
        return out.bytes
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var reader = ProtoReader(bytes)
        var result: HParamsData?
        while let (field, value) = try reader.next() {
            guard case .bytes(let info) = value, field == 3 || field == 4 else { continue }
            var inner = ProtoReader(info)
            var hparams: [HParam] = [], group = "", time = 0.0, status = SessionStatus.unknown
            while let (part, value) = try inner.next() {
                switch (field, part, value) {
                case (3, 1, .bytes(let entry)): hparams.append(try Self.hparam(entry))
                case (3, 4, _): group = value.string ?? ""
                case (3, 5, _), (4, 2, _): time = value.double ?? 0
                case (4, 1, .varint(let raw)): status = SessionStatus(rawValue: Int64(bitPattern: raw)) ?? .unknown
                default: break
                }
            }
            result = field == 3 ? .sessionStart(hparams: hparams, groupName: group, startTime: time) : .sessionEnd(status: status, endTime: time)
        }
        guard let result else { throw ProtoReader.Malformed() }
        self = result
    }

    private static func hparam(_ entry: ArraySlice<UInt8>) throws -> HParam {
        var reader = ProtoReader(entry)
        var name = "", parsed = HParam.Value.string("")
        while let (field, value) = try reader.next() {
            if field == 1 { name = value.string ?? "" }
            guard field == 2, case .bytes(let bytes) = value else { continue }
            var inner = ProtoReader(bytes)
            while let (kind, value) = try inner.next() {
                switch (kind, value) {
                case (2, _): parsed = .number(value.double ?? .nan)
                case (3, _): parsed = .string(value.string ?? "")
                case (4, .varint(let raw)): parsed = .bool(raw != 0)
                default: break
                }
            }
        }
        return HParam(name: name, value: parsed)
    }
}
