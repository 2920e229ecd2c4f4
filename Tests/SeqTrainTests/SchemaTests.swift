import Foundation
import XCTest
import SeqTrain

/// The JSON Schema of the experiment file: generated from the registries, it accepts every shipped
/// config, rejects what the parser rejects where a schema can say it, and names every option.
final class SchemaTests: XCTestCase {
    let schema = ExperimentSchema.json(vocabulary: .standard)
    var validator: JSONSchemaValidator { JSONSchemaValidator(root: schema) }

    func instance(_ yaml: String) throws -> SchemaInstance? {
        try Yams.compose(yaml: yaml).map(SchemaInstance.init)
    }

    func testEveryShippedConfigValidates() throws {
        let folder = repositoryRoot + "/configs"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 14)
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            let document = try XCTUnwrap(try instance(text))
            XCTAssertEqual(validator.errors(document), [], file)
        }
    }

    /// The broken configs the parser needs the whole file for (shapes, split sizes, a horizon that
    /// depends on the target): the schema accepts them, `seqtrain check` does not.
    static let beyondASchema = ["larger than the train split", "takes 11000 series", "SimpleRNN reads a sequence", "needs a sequence",
                                "the model outputs (None, 10)", "outputs (None, 1)", "last_time_step_mse needs", "horizon must be 1"]

    func testTheSchemaRejectsWhatTheParserRejectsWhereItCan() throws {
        var rejected = 0, accepted = 0
        for c in ConfigTests.brokenConfigs {
            // Files that are not YAML, or not a single document with unique keys, never reach a schema.
            guard let document = try? Yams.compose(yaml: c.yaml) else { continue }
            let errors = validator.errors(SchemaInstance(document))
            if Self.beyondASchema.contains(where: { words in c.contains.contains { $0.contains(words) } }) {
                XCTAssertEqual(errors, [], "the schema rejects a config only the parser should:\n\(c.yaml)")
                accepted += 1
            } else {
                XCTAssertNotEqual(errors, [], "the schema accepts a config the parser rejects (\(c.contains[0])):\n\(c.yaml)")
                rejected += 1
            }
        }
        // The README states these figures.
        XCTAssertEqual([rejected, accepted, ConfigTests.brokenConfigs.count], [15, 8, 27])
    }

    func testOptionsNameExactlyTheKeysTheParserAccepts() {
        for type in LayerCatalog.standard.types {
            if let keys = type.optionKeys { XCTAssertEqual(type.optionSchema.map(\.name), keys, type.typeName) }
        }
        for type in OptimizerCatalog.standard.types { XCTAssertEqual(type.optionSchema.map(\.name), type.optionKeys, type.name) }
        for type in LearningRate.schedules { XCTAssertEqual(type.optionSchema.map(\.name), type.optionKeys, type.name) }
        for type in CallbackCatalog.standard.types { XCTAssertEqual(type.optionSchema.map(\.name), type.optionKeys, type.name) }
    }

    func testEveryRegisteredNameIsInTheSchema() {
        let text = schema.rendered()
        let names = LayerCatalog.standard.names + OptimizerCatalog.standard.names + LearningRate.schedules.map { $0.name }
            + CallbackCatalog.standard.names + LossConfig.names + MetricKind.allCases.map(\.rawValue)
        for name in names { XCTAssertTrue(text.contains("\"\(name)\""), name) }
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(text.utf8)), "the schema is JSON")
    }

    func testTheSchemaChecksOptionsValuesAndRanges() throws {
        let good = "model:\n  - LSTM: {units: 8, return_sequences: true}\n  - Conv1D: {filters: 4, kernel_size: 2, padding: causal}\n"
            + "  - TimeDistributed: {Dense: {units: 1}}\ntrain:\n  optimizer: {name: sgd, learning_rate: {schedule: cosine_decay, "
            + "initial_learning_rate: 0.1, decay_steps: 100}, clipnorm: 1.0}\n  callbacks:\n    - ReduceLROnPlateau: {factor: 0.5}\n"
            + "sweep: {method: random, trials: 4, parameters: {model.0.units: {int_uniform: [4, 16]}}}\n"
        XCTAssertEqual(validator.errors(try XCTUnwrap(try instance(good))), [])
        for bad in ["model:\n  - Dropout: {rate: 1.0}\n", "model:\n  - Conv1D: {filters: 4, kernel_size: 2, padding: full}\n",
                    "model: naive\ntrain: {optimizer: {name: sgd, learning_rate: {schedule: cosine_decay}}}\n",
                    "model: naive\ntrain: {callbacks: [{EarlyStopping: {patience: -1}}]}\n",
                    "model: naive\nsweep: {method: random, trials: 0, parameters: {seed: [1, 2]}}\n",
                    "model:\n  - Flatten\n  - Dense\n"] {
            XCTAssertNotEqual(validator.errors(try XCTUnwrap(try instance(bad))), [], bad)
        }
    }
}
