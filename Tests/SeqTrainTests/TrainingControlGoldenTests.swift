import Foundation
import SeqTrain
import XCTest

/// Learning-rate schedules, weight decay and the callbacks against Keras 3.15
/// (`scripts/golden/make_keras_golden_control.py` → `Fixtures/keras_golden_control.json`).
final class TrainingControlGoldenTests: XCTestCase {
    /// An experiment small enough to build in a test, with a sequence output (so that every column
    /// the callbacks monitor exists) and `train:` entries appended.
    func experiment(train: String) throws -> Experiment {
        try ExperimentParser.parse(yaml: """
            data: {source: {generator: sine, series: 60}, window: 6, target: sequence, horizon: 2, split: {train: 40, valid: 10, test: 10}}
            model:
              - SimpleRNN: {units: 2, return_sequences: true}
              - TimeDistributed: {Dense: {units: 2}}
            train:
              metrics: [last_time_step_mse]
            \(train.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """, file: "control.yaml")
    }

    func testEveryScheduleGivesKerasRateAtEveryStep() throws {
        let cases = try XCTUnwrap(try fixture("keras_golden_control.json")["schedules"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 9)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let rate = try experiment(train: "optimizer: {name: sgd, learning_rate: \(c["yaml"] as! String)}").train.optimizer.rule.learningRate
            guard case .schedule(let schedule) = rate else { return XCTFail("\(name) did not parse as a schedule") }
            XCTAssertEqual(schedule.name, name.replacingOccurrences(of: "_staircase", with: "").replacingOccurrences(of: "_cycle", with: "")
                .replacingOccurrences(of: "_warmup_from", with: ""))
            for (step, expected) in zip(ints(c["steps"]), (c["rates"] as! [NSNumber]).map(\.doubleValue)) {
                // Keras computes in float32; seqtrain in double, rounded to float32 where it is used.
                XCTAssertEqual(rate.value(atStep: step), expected, accuracy: 1e-6 * max(expected, 1e-3), "\(name) at step \(step)")
            }
        }
    }

    func testWeightDecayAndAdamWUpdateAsKeras() throws {
        let cases = try XCTUnwrap(try fixture("keras_golden_control.json")["optimizers"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 7)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let train = try experiment(train: "optimizer: \(c["yaml"] as! String)").train
            let tensors = (c["tensors"] as! [[Int]]).map { $0[0]..<$0[1] }
            var w = floats(c["w"])
            let optimizer = Optimizer(train.optimizer, parameterCount: w.count, clipping: train.clipping, tensors: tensors)
            for (step, (grads, expected)) in zip((c["grads"] as! [Any]).map(floats), (c["after"] as! [Any]).map(floats)).enumerated() {
                var g = grads
                w.withUnsafeMutableBufferPointer { wp in
                    g.withUnsafeMutableBufferPointer { gp in
                        optimizer.clip(gp.baseAddress!)
                        optimizer.step(wp.baseAddress!, gp.baseAddress!, count: gp.count)
                    }
                }
                // 1e-5 as for the plain optimizers: Keras rounds 1 - beta_2^t to float32, seqtrain 1 - beta_2
                // (both exact to about 1e-6 here against float64).
                assertClose(w, expected, tolerance: 1e-5, "\(name) after step \(step + 1)")
            }
        }
    }

    func testCallbacksDecideEpochByEpochAsKerasOnTheSameSeries() throws {
        let cases = try XCTUnwrap(try fixture("keras_golden_control.json")["callbacks"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 6)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let experiment = try self.experiment(train: "optimizer: {name: sgd, learning_rate: \(c["learning_rate"]!)}\n"
                + "callbacks: \(c["yaml"] as! String)")
            let trainer = Trainer(experiment: experiment, dataset: try Dataset(config: experiment.data, seed: experiment.seed))
            let observers = try callbackObservers(experiment.train) { _ in }
            let loop = TrainingLoop(trainer: trainer, observers: observers)
            let columns = experiment.train.historyColumns
            let series = c["series"] as! [[String: NSNumber]]
            let keras = c["epochs"] as! [[String: Any]]
            var stoppedAt: Int?
            for (index, logs) in series.enumerated() where stoppedAt == nil {
                let epoch = index + 1, expected = keras[index]
                trainer.model.parameters.assign([Float](repeating: Float(epoch), count: trainer.model.parameterCount))
                let rate = trainer.optimizer.learningRate
                XCTAssertEqual(Float(rate), Float((expected["lr_before"] as! NSNumber).doubleValue), "\(name) epoch \(epoch) lr")
                let row = columns.map { column -> String in
                    column == "epoch" ? "\(epoch)" : column == "lr" ? "\(Float(rate))" : "\(logs[column].map { $0.floatValue } ?? 0)"
                }
                let record = EpochRecord(epoch: epoch, train: Evaluation(loss: 0, metrics: [0]), valid: Evaluation(loss: 0, metrics: [0]),
                                         historyRow: row, seconds: 0)
                let stops = try observers.map { try $0.epochDidEnd(record, loop: loop) }.contains { $0 != .proceed }
                XCTAssertEqual(stops, expected["stop"] as? Bool, "\(name) epoch \(epoch) stop")
                XCTAssertEqual(Float(trainer.optimizer.learningRate), Float((expected["lr_after"] as! NSNumber).doubleValue),
                               "\(name) epoch \(epoch) lr after the callbacks")
                let state = observers.reduce(into: [String: String]()) { $0.merge($1.checkpointState()) { a, _ in a } }
                assertState(state, expected, name: name, epoch: epoch, callbacks: experiment.train.callbacks)
                if stops { stoppedAt = epoch }
            }
            XCTAssertEqual(stoppedAt ?? series.count, keras.count, "\(name): epochs trained")
            for observer in observers { try observer.trainingDidEnd(loop: loop) }
            XCTAssertEqual(Set(trainer.model.parameters.array), [Float(c["final_weights_epoch"] as! Int)], "\(name): weights at the end")
        }
    }

    /// EarlyStopping's and ReduceLROnPlateau's counters and best values, as Keras had them after the epoch.
    func assertState(_ state: [String: String], _ keras: [String: Any], name: String, epoch: Int, callbacks: [any CallbackConfig]) {
        func best(_ value: Any?) -> String { (value as? NSNumber).map { "\($0.floatValue)" } ?? "none" }
        for (index, callback) in callbacks.enumerated() {
            let key = "callbacks.\(index)", at = "\(name) epoch \(epoch) \(callback.name)"
            if callback is EarlyStopping {
                XCTAssertEqual(state["\(key).wait"], "\(keras["es_wait"] as! Int)", "\(at) wait")
                XCTAssertEqual(state["\(key).best"], best(keras["es_best"]), "\(at) best")
            } else {
                XCTAssertEqual(state["\(key).wait"], "\(keras["rl_wait"] as! Int)", "\(at) wait")
                XCTAssertEqual(state["\(key).cooldown_counter"], "\(keras["rl_cooldown"] as! Int)", "\(at) cooldown")
                XCTAssertEqual(state["\(key).best"], best(keras["rl_best"]), "\(at) best")
            }
        }
    }
}
