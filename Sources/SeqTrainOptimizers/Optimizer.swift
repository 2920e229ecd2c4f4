import CKernels
import SeqTrainCore

/// Applies an optimizer rule's updates to the flat parameter buffer and keeps its state: the slots
/// and the step count (Keras's `iterations`).
public final class Optimizer {
    /// The configuration it was built from.
    public let config: OptimizerConfig
    /// Steps taken so far (Keras's `iterations`).
    public private(set) var iterations: Int = 0
    /// Per-parameter state: Adam's m and v, SGD's momentum, RMSprop's velocity.
    public let slots: [(name: String, buffer: FloatBuffer)]
    /// Clipping applied to the gradients before each update.
    public let clipping: GradientClipping
    /// The flat ranges of the parameter tensors (clipnorm clips each tensor by its own norm).
    private let tensors: [Range<Int>]
    private let slotPointers: [UnsafeMutablePointer<Float>]

    /// An optimizer for `parameterCount` values, made of the tensors `tensors` (default: one tensor).
    public init(_ config: OptimizerConfig, parameterCount: Int, clipping: GradientClipping = .none, tensors: [Range<Int>]? = nil) {
        self.config = config
        self.clipping = clipping
        self.tensors = tensors ?? [0..<parameterCount]
        slots = config.rule.slotNames.map { ($0, FloatBuffer(count: parameterCount)) }
        slotPointers = slots.map(\.buffer.pointer)
    }

    /// The rate set at run time (by ReduceLROnPlateau), which replaces the configured rate from then
    /// on; nil while the configured rate applies. Checkpoints record it.
    public private(set) var rateOverride: Double?

    /// Restores the step count (from a checkpoint).
    public func restore(iterations: Int) { self.iterations = iterations }

    /// Replaces the configured rate by `rate` from the next update on (Keras's
    /// `optimizer.learning_rate = rate`, which a constant-rate optimizer allows).
    public func setLearningRate(_ rate: Double) { rateOverride = rate }

    /// The learning rate of the next update.
    public var learningRate: Double { rateOverride ?? config.rule.learningRate.value(atStep: iterations) }

    /// Applies `clipping` to the gradients in place, as Keras does before an update.
    public func clip(_ g: UnsafeMutablePointer<Float>) { clipping.apply(g, tensors: tensors) }

    /// Applies element-wise clipping (`clipping.isElementWise`: clipvalue or none; clipnorm needs each
    /// tensor's whole norm, summed in order by `clip(_:)`) to the gradients `range` of `g` only.
    public func clip(_ g: UnsafeMutablePointer<Float>, range: Range<Int>) {
        precondition(clipping.isElementWise, "clipnorm clips whole tensors")
        clipping.apply(g, tensors: [range])
    }

    /// One update of `count` parameters `w` with gradients `g`: `beginStep` then `apply` on them all.
    public func step(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int) {
        apply(beginStep(), w, g, range: 0..<count)
    }

    /// Counts the next update and fixes its rate: once per batch, however many slices `apply` it.
    public func beginStep() -> OptimizerStep {
        let rate = learningRate
        iterations += 1
        return OptimizerStep(number: iterations, learningRate: rate)
    }

    /// The update `step` on the parameters `range` of `w`, with gradients `g`: Keras's order, the
    /// decoupled weight decay `w -= w·wd·lr` (float32, with the update's rate) before the rule's update.
    /// Both work element by element, so slices applied on any threads give the whole update's bytes.
    public func apply(_ step: OptimizerStep, _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, range: Range<Int>) {
        let (start, count) = (range.lowerBound, range.count)
        if let weightDecay = config.weightDecay {
            st_weight_decay(w + start, count, Float(weightDecay), Float(step.learningRate))  // w -= w * wd * lr
        }
        let slots = start == 0 ? slotPointers : slotPointers.map { $0 + start }
        config.rule.update(w + start, g + start, slots: slots, count: count, step: step.number, learningRate: step.learningRate)
    }
}

/// One update's number (from 1) and learning rate, fixed by `Optimizer.beginStep` before its slices are applied.
public struct OptimizerStep: Equatable, Sendable {
    /// Keras's `iterations` after the update: what Adam's bias correction uses.
    public let number: Int
    /// The rate, from the schedule at the step count before the update (or the override).
    public let learningRate: Double
}
