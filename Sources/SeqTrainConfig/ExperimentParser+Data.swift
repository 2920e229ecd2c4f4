import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The `data:` section: the source (generator or CSV file), the windowing and the split.
///
/// A CSV file's contents are checked when the data is loaded (`Dataset`), not here: a run's config
/// must stay readable (by `seqtrain runs`, `diff`) even when its data file has moved.
extension ExperimentParser {
    static func parseData(_ node: Node?, reader: inout NodeReader) -> DataConfig? {
        var source = DataSource.sine(series: 10_000), window = 50, target = TargetKind.next
        var horizon: Int?, split: Split?, stride: Int?, standardize: Bool?
        var nodes: [String: Node] = [:]
        if let node {
            guard let entries = reader.mapping(node, "data") else { return nil }
            reader.checkKeys(entries, allowed: ExperimentKeys.data.map(\.name), in: "data")
            var ok = true
            for entry in entries {
                nodes[entry.key] = entry.value
                switch entry.key {
                case "source":
                    if let value = parseSource(entry.value, reader: &reader) { source = value } else { ok = false }
                case "window":
                    if let value = reader.int(entry.value, "data.window", in: 1...100_000) { window = value } else { ok = false }
                case "target":
                    if let value = reader.choice(entry.value, "data.target", as: TargetKind.self) { target = value } else { ok = false }
                case "horizon":
                    if let value = reader.int(entry.value, "data.horizon", in: 1...100_000) { horizon = value } else { ok = false }
                case "split":
                    if let value = parseSplit(entry.value, reader: &reader) { split = value } else { ok = false }
                case "stride":
                    if let value = reader.int(entry.value, "data.stride", in: 1...100_000) { stride = value } else { ok = false }
                case "standardize":
                    if let value = reader.bool(entry.value, "data.standardize") { standardize = value } else { ok = false }
                default: break
                }
            }
            guard ok else { return nil }
        }
        let resolvedHorizon = horizon ?? (target == .next ? 1 : 10)
        if target == .next && resolvedHorizon != 1 {
            reader.error(nodes["horizon"], "data.horizon must be 1 when data.target is next, found \(resolvedHorizon)",
                         related: [("data.target", nodes["target"])], suggestion: "use target: vector or target: sequence to predict several steps")
            return nil
        }
        switch source {
        case .sine(let series):
            for key in ["stride", "standardize"] where nodes[key] != nil {
                reader.error(nodes[key], "data.\(key) applies to a csv source; each generated series gives one sample",
                             related: [("data.source", nodes["source"])], suggestion: "remove it, or read a series with source: {csv: FILE, columns: [NAME]}")
                return nil
            }
            if series * (window + resolvedHorizon) > maxDataValues {
                reader.error(nodes["source"]?["series"] ?? node,
                             "the data would hold \(series) series (data.source.series) x \(window + resolvedHorizon) steps, more than \(maxDataValues) values",
                             related: [("data.window", nodes["window"]), ("data.horizon", nodes["horizon"])],
                             suggestion: "lower data.source.series or data.window")
                return nil
            }
            let resolvedSplit = split ?? Split(train: series * 7 / 10, valid: series * 2 / 10,
                                               test: series - series * 7 / 10 - series * 2 / 10)
            let counts = resolvedSplit.counts(of: series)
            if counts.train + counts.valid + counts.test > series {
                reader.error(nodes["split"] ?? node, "data.split takes \(counts.train + counts.valid + counts.test) series "
                    + "but the source has only \(series)", related: [("data.source.series", nodes["source"]?["series"])], suggestion: "make train + valid + test at most \(series)")
                return nil
            }
            if counts.train == 0 || counts.valid == 0 {
                reader.error(nodes["split"] ?? node, "data.split leaves \(counts.train == 0 ? "train" : "valid") without a series",
                             suggestion: "give it a larger fraction or a count")
                return nil
            }
            return DataConfig(source: source, window: window, target: target, horizon: resolvedHorizon, split: resolvedSplit)
        case .csv:
            let resolvedSplit = split ?? Split(train: .fraction(0.7), valid: .fraction(0.2), test: .fraction(0.1))
            return DataConfig(source: source, window: window, target: target, horizon: resolvedHorizon, split: resolvedSplit,
                              stride: stride ?? 1, standardize: standardize ?? true)
        }
    }

    private static func parseSource(_ node: Node, reader: inout NodeReader) -> DataSource? {
        guard let entries = reader.mapping(node, "data.source") else { return nil }
        let keys = entries.map(\.key)
        if keys.contains("csv") {
            return parseCSVSource(node, entries, reader: &reader)
        }
        reader.checkKeys(entries, allowed: ExperimentKeys.generatorSource.map(\.name), in: "data.source")
        var series = 10_000
        for entry in entries {
            if entry.key == "generator", let text = reader.scalarText(entry.value, "data.source.generator", expected: "sine"),
               text != "sine" {
                reader.error(entry.value, "data.source.generator cannot be '\(text)'", suggestion: "the only generator is 'sine'")
                return nil
            }
            if entry.key == "series" {
                guard let value = reader.int(entry.value, "data.source.series", in: 1...10_000_000) else { return nil }
                series = value
            }
        }
        guard keys.contains("generator") else {
            reader.error(node, "data.source needs a generator or a csv file",
                         suggestion: "write source: {generator: sine, series: 10000} or source: {csv: FILE, columns: [NAME]}")
            return nil
        }
        return .sine(series: series)
    }

    private static func parseCSVSource(_ node: Node, _ entries: [NodeReader.Entry], reader: inout NodeReader) -> DataSource? {
        reader.checkKeys(entries, allowed: ExperimentKeys.csvSource.map(\.name), in: "data.source (a csv source)")
        let value = { (key: String) in entries.first { $0.key == key }?.value }
        guard let path = reader.scalarText(value("csv")!, "data.source.csv", expected: "a file path"), !path.isEmpty else {
            reader.error(value("csv"), "data.source.csv must be the path of a CSV file")
            return nil
        }
        guard let columnsNode = value("columns") else {
            reader.error(node, "data.source needs columns: the CSV columns fed to the model",
                         suggestion: "write e.g. columns: [sst]")
            return nil
        }
        guard let columns = names(columnsNode, "data.source.columns", reader: &reader) else { return nil }
        var targets = columns
        if let targetsNode = value("targets") {
            guard let list = names(targetsNode, "data.source.targets", reader: &reader) else { return nil }
            for name in list where !columns.contains(name) {
                reader.error(targetsNode, "data.source.targets names '\(name)', which is not among data.source.columns",
                             suggestion: "a target must also be an input column (the naive forecast repeats its last value); add it to columns")
                return nil
            }
            targets = list
        }
        var time: String?
        if let timeNode = value("time_column") {
            guard let text = reader.scalarText(timeNode, "data.source.time_column", expected: "a column name"), !text.isEmpty else { return nil }
            if columns.contains(text) {
                reader.error(timeNode, "data.source.time_column '\(text)' is also an input column",
                             suggestion: "time stamps label the rows; they are not fed to the model")
                return nil
            }
            time = text
        }
        return .csv(CSVSource(path: path, columns: columns, targets: targets, timeColumn: time))
    }

    /// A non-empty list of distinct column names (a single name is taken as a list of one).
    private static func names(_ node: Node, _ what: String, reader: inout NodeReader) -> [String]? {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        default:
            reader.error(node, "\(what) must be a list of column names, found \(reader.describe(node))")
            return nil
        }
        var names: [String] = []
        for item in items {
            guard let text = reader.scalarText(item, what, expected: "a column name") else { return nil }
            if text.isEmpty || names.contains(text) {
                reader.error(item, text.isEmpty ? "\(what) has an empty name" : "\(what) names '\(text)' twice")
                return nil
            }
            names.append(text)
        }
        if names.isEmpty {
            reader.error(node, "\(what) is empty", suggestion: "name at least one column")
            return nil
        }
        return names
    }

    private static func parseSplit(_ node: Node, reader: inout NodeReader) -> Split? {
        guard let entries = reader.mapping(node, "data.split") else { return nil }
        reader.checkKeys(entries, allowed: ExperimentKeys.split.map(\.name), in: "data.split")
        var sizes: [String: SplitSize] = [:]
        var ok = true
        for entry in entries where ["train", "valid", "test"].contains(entry.key) {
            let what = "data.split.\(entry.key)"
            guard let text = reader.scalarText(entry.value, what, expected: "a count or a fraction") else { ok = false; continue }
            if text.contains(".") || text.lowercased().contains("e") {
                let positive = entry.key != "test"
                guard let value = reader.double(entry.value, what, requirement: positive ? "in (0, 1]" : "in [0, 1]",
                                                { positive ? ($0 > 0 && $0 <= 1) : ($0 >= 0 && $0 <= 1) }) else { ok = false; continue }
                sizes[entry.key] = .fraction(value)
            } else {
                let minimum = entry.key == "test" ? 0 : 1
                guard let value = reader.int(entry.value, what, in: minimum...100_000_000) else { ok = false; continue }
                sizes[entry.key] = .count(value)
            }
        }
        guard ok else { return nil }
        for key in ["train", "valid"] where sizes[key] == nil {
            reader.error(node, "data.split needs '\(key)'",
                         suggestion: "write split: {train: 7000, valid: 2000, test: 1000} or {train: 0.7, valid: 0.2, test: 0.1}")
            return nil
        }
        let fractions = sizes.values.compactMap { size -> Double? in if case .fraction(let f) = size { return f } else { return nil } }
        if fractions.reduce(0, +) > 1 + 1e-9 {
            reader.error(node, "the fractions of data.split add up to \(fractions.reduce(0, +)), more than 1",
                         suggestion: "make them add up to at most 1")
            return nil
        }
        return Split(train: sizes["train"]!, valid: sizes["valid"]!, test: sizes["test"] ?? .count(0))
    }
}
