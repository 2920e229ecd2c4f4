/// A position in a source file, 1-based like compilers print it.
public struct SourcePosition: Equatable, Sendable {
    /// Line number, from 1.
    public var line: Int
    /// Column number, from 1 (counted in Unicode scalars, as libyaml does).
    public var column: Int

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One problem found in an experiment file, printed as `FILE:LINE:COLUMN: error: message`.
public struct Diagnostic: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file the problem is in.
    public var file: String
    /// Where in the file, when known.
    public var position: SourcePosition?
    /// What is wrong and what was expected.
    public var message: String
    /// A hint such as "did you mean 'return_sequences'?".
    public var suggestion: String?
    /// The other keys a problem between keys involves (the diagnostic sits at the key its message names first).
    public var related: [RelatedKey]

    /// Creates a diagnostic.
    public init(file: String, position: SourcePosition?, message: String, suggestion: String? = nil, related: [RelatedKey] = []) {
        self.file = file
        self.position = position
        self.message = message
        self.suggestion = suggestion
        self.related = related
    }

    /// The compiler-style line a user sees: `FILE:LINE:COLUMN: error: message; other.key is at FILE:LINE:COLUMN (hint)`.
    public var description: String {
        var text = "\(Self.place(file, position)): error: \(message)"
        for key in related { text += "; \(key.key) is at \(Self.place(key.file, key.position))" }
        if let suggestion { text += " (\(suggestion))" }
        return text
    }

    /// `FILE:LINE:COLUMN`, or `FILE` alone.
    static func place(_ file: String, _ position: SourcePosition?) -> String {
        position.map { "\(file):\($0.line):\($0.column)" } ?? file
    }
}

/// A second key in a problem between two keys, and where it is written.
public struct RelatedKey: Equatable, Sendable {
    /// Its dotted path, e.g. `data.split`.
    public var key: String
    /// The file (or `--set …` override) it comes from.
    public var file: String
    /// Where in the file, when known.
    public var position: SourcePosition?

    /// Creates the reference.
    public init(key: String, file: String, position: SourcePosition?) {
        self.key = key
        self.file = file
        self.position = position
    }
}

/// All the problems of one experiment file, reported together.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    /// The problems, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from its diagnostics.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Suggestions for misspelt names: the closest candidate by edit distance, ignoring case.
public enum Suggest {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, min(word.count, best.name.count) / 3)
        return best.distance <= allowed ? best.name : nil
    }

    /// Levenshtein distance between two strings.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// "did you mean 'x'?" or "expected one of a, b, c".
    public static func hint(for word: String, in candidates: [String]) -> String {
        if let match = closest(to: word, in: candidates) { return "did you mean '\(match)'?" }
        return "expected one of: " + candidates.joined(separator: ", ")
    }
}
