import Foundation
import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// A grid of overrides: the cartesian product of `--grid PATH=v1,v2,…` axes, one run per point.
public struct SweepGrid: Equatable {
    /// One axis: a config path and the values it takes.
    public struct Axis: Equatable {
        /// The dotted path, e.g. `train.optimizer.learning_rate`.
        public var path: String
        /// The values, as YAML text.
        public var values: [String]
        /// Where each value was written (`file:line:column (sweep)`), for messages; empty for `--grid`.
        public var origins: [String] = []

        /// Creates an axis.
        public init(path: String, values: [String], origins: [String] = []) {
            self.path = path
            self.values = values
            self.origins = origins
        }
    }

    /// A grid of the given axes.
    public init(axes: [Axis]) { self.axes = axes }

    /// The axes of a file's `sweep:` block with `--grid` axes added; a `--grid` axis replaces the
    /// block's axis of the same path.
    public init(block: [Axis], arguments: [String]) throws {
        let grid = try SweepGrid(arguments: arguments)
        axes = block.filter { axis in !grid.axes.contains { $0.path == axis.path } } + grid.axes
    }

    /// The grid as `PATH=v1,v2` texts (the sweep's identity).
    public var arguments: [String] { axes.map { "\($0.path)=" + $0.values.joined(separator: ",") } }

    /// The axes, the first varying slowest.
    public var axes: [Axis]

    /// Parses `PATH=v1,v2,…` arguments (commas inside brackets or braces do not split).
    public init(arguments: [String]) throws {
        axes = try arguments.map { argument in
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ConfigErrors([Diagnostic(file: "--grid \(argument)", position: nil, message: "expected PATH=VALUE,VALUE,…",
                                               suggestion: "e.g. --grid train.optimizer.learning_rate=0.001,0.005,0.01")])
            }
            var values: [String] = [], current = "", depth = 0
            for character in argument[argument.index(after: equals)...] {
                if "[{".contains(character) { depth += 1 }
                if "]}".contains(character) { depth -= 1 }
                if character == ",", depth == 0 {
                    values.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                } else {
                    current.append(character)
                }
            }
            values.append(current.trimmingCharacters(in: .whitespaces))
            guard !values.contains(where: \.isEmpty) else {
                throw ConfigErrors([Diagnostic(file: "--grid \(argument)", position: nil, message: "a value is empty")])
            }
            return Axis(path: String(argument[..<equals]), values: values)
        }
    }

    /// The most runs one sweep may have: a grid past it is a mistake, and listing it would exhaust memory.
    public static let maxPoints = 10_000

    /// The number of points (saturating, so that a huge grid cannot overflow).
    public var pointCount: Int {
        axes.reduce(1) { count, axis in
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            return overflow ? Int.max : product
        }
    }

    /// Every point: one value per axis, the first axis varying slowest.
    public var points: [[String]] {
        axes.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.values.map { prefix + [$0] } } }
    }

    /// The overrides of a point.
    public func overrides(_ point: [String]) throws -> [Override] {
        try zip(axes, point).map { axis, value in
            var override = try Override("\(axis.path)=\(value)")
            if let index = axis.values.firstIndex(of: value), index < axis.origins.count { override.origin = axis.origins[index] }
            return override
        }
    }

    /// A folder name for a point: `03-learning_rate-0.005-units-20` (index, then last path part and value).
    public func label(_ index: Int, _ point: [String]) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let parts = zip(axes, point).map { axis, value in
            "\(axis.path.split(separator: ".").last ?? "")-\(value)"
        }
        let text = String(format: "%02d-", index) + parts.joined(separator: "-")
        return String(text.map { allowed.contains($0) ? $0 : "_" }.prefix(100))
    }
}
