import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers

/// Keras-style progress: `219/219 [==============================] - 0s 1ms/step - loss: … - val_loss: …`.
///
/// On a terminal the line is redrawn in place while the epoch runs; into a file or a pipe only the
/// finished line of each epoch is written, so logs stay one line per epoch.
public final class ProgressLine {
    private let output: (String) -> Void
    private let interactive: Bool
    private let totalSteps: Int
    private var lastDraw = Date.distantPast
    private var epochStart = Date()

    /// A progress display for epochs of `totalSteps` batches; `interactive` redraws in place.
    public init(totalSteps: Int, interactive: Bool, output: @escaping (String) -> Void) {
        self.totalSteps = totalSteps
        self.interactive = interactive
        self.output = output
    }

    /// Announces an epoch, Keras's `Epoch 1/20`.
    public func beginEpoch(_ epoch: Int, of epochs: Int) {
        epochStart = Date()
        lastDraw = .distantPast
        output("Epoch \(epoch)/\(epochs)\n")
    }

    /// Redraws the running line after `step` batches (terminal only, at most 20 times a second).
    public func update(step: Int, loss: Double) {
        guard interactive else { return }
        let now = Date()
        guard step == totalSteps || now.timeIntervalSince(lastDraw) >= 0.05 else { return }
        lastDraw = now
        output("\r" + line(step: step, figures: [("loss", loss)]) + "\u{1B}[K")
    }

    /// Writes the finished line of the epoch with every figure.
    public func endEpoch(figures: [(String, Double)]) {
        let (returnToStart, eraseRest) = interactive ? ("\r", "\u{1B}[K") : ("", "")
        output(returnToStart + line(step: totalSteps, figures: figures) + eraseRest + "\n")
    }

    private func line(step: Int, figures: [(String, Double)]) -> String {
        let width = 30
        let done = totalSteps == 0 ? width : step * width / totalSteps
        var bar = String(repeating: "=", count: max(0, done - (step < totalSteps ? 1 : 0)))
        if step < totalSteps { bar += ">" }
        bar += String(repeating: ".", count: max(0, width - bar.count))
        let elapsed = Date().timeIntervalSince(epochStart)
        let perStep = elapsed / Double(max(step, 1))
        let pad = String(repeating: " ", count: String(totalSteps).count - String(step).count)
        var text = "\(pad)\(step)/\(totalSteps) [\(bar)] - \(Int(elapsed.rounded(.down)))s \(Self.duration(perStep))/step"
        for (name, value) in figures { text += " - \(name): \(Self.figure(value))" }
        return text
    }

    /// Keras's figure format: 4 decimals, or scientific for tiny values.
    public static func figure(_ value: Double) -> String {
        abs(value) > 1e-3 || value == 0 ? String(format: "%.4f", value) : String(format: "%.4e", value)
    }

    /// `3ms`, `690us`.
    static func duration(_ seconds: Double) -> String {
        if seconds >= 1 { return "\(Int(seconds.rounded()))s" }
        if seconds >= 1e-3 { return "\(Int((seconds * 1e3).rounded()))ms" }
        return "\(Int((seconds * 1e6).rounded()))us"
    }
}

/// Prints Keras's progress: `Epoch 3/20`, the running line, and the finished line with every figure.
public final class ProgressObserver: EpochObserver {
    private let line: ProgressLine
    private let metrics: [MetricKind]

    /// Progress for epochs of `steps` batches, written to `output` (redrawn in place when `interactive`).
    public init(steps: Int, metrics: [MetricKind], interactive: Bool, output: @escaping (String) -> Void) {
        line = ProgressLine(totalSteps: steps, interactive: interactive, output: output)
        self.metrics = metrics
    }

    public func epochWillBegin(_ epoch: Int, of epochs: Int) { line.beginEpoch(epoch, of: epochs) }

    public func batchDidEnd(step: Int, runningLoss: Double) { line.update(step: step, loss: runningLoss) }

    public func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        line.endEpoch(figures: [("loss", record.train.loss)] + zip(metrics, record.train.metrics).map { ($0.rawValue, $1) }
            + [("val_loss", record.valid.loss)] + zip(metrics, record.valid.metrics).map { ("val_" + $0.rawValue, $1) })
        return .proceed
    }
}
