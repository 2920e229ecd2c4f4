/// Which input step of the data each output step of a model sees last, so that sequence targets can
/// follow the model: output step j is trained on the target of the last data step it sees.
///
/// Layers that keep the steps (recurrent layers, Dense, TimeDistributed, Dropout, causal Conv1D with
/// stride 1) map step t to step t. A valid or strided Conv1D shortens the sequence: the book's
/// `Conv1D(kernel_size=4, strides=2, padding="valid")` on 50 steps outputs 24, step j seeing input
/// steps 2j … 2j + 3, so it is trained on the targets of steps 3, 5, …, 49 (`Y[:, 3::2]`).
public enum StepAlignment {
    /// For each output step of `layers` on `input`, the last input step it sees; nil when the model's
    /// output is not a sequence, or when a layer refuses its input (the shape check reports that).
    public static func lastInputSteps(of layers: [any LayerConfig], input: TensorShape) -> [Int]? {
        guard case .sequence(let steps, _) = input else { return nil }
        var seen = Array(0..<steps)  // for each step of the current sequence, the data step it sees last
        var shape = input
        for (index, layer) in layers.enumerated() {
            guard let output = try? layer.outputShape(for: shape, previous: "model.\(index)") else { return nil }
            guard case .sequence(let outSteps, _) = output else { return nil }
            let local = layer.lastInputSteps(for: shape) ?? Array(0..<outSteps)
            seen = local.map { seen[min(max($0, 0), seen.count - 1)] }
            shape = output
        }
        return seen
    }

    /// Whether `steps` is the identity on `count` steps (every output step its own target).
    public static func isIdentity(_ steps: [Int], count: Int) -> Bool {
        steps.count == count && steps.enumerated().allSatisfy { $0.offset == $0.element }
    }

    /// One line for `seqtrain check` and training: which targets the output steps are trained on.
    public static func summary(_ steps: [Int], inputSteps: Int) -> String {
        var rule = ""
        if steps.count > 1, let first = steps.first, steps.enumerated().allSatisfy({ $0.element == first + $0.offset * (steps[1] - first) }) {
            let stride = steps[1] - first
            rule = "input step " + (first == 0 ? "" : "\(first) + ") + (stride == 1 ? "j" : "\(stride)j") + ", "
        }
        return "targets: the model outputs \(steps.count) of the \(inputSteps) steps; output step j is trained on the targets of "
            + rule + "the last it sees: \(describe(steps, inputSteps: inputSteps))"
    }

    /// The alignment in numpy's notation when it is a slice (`Y[:, 3::2]`), else the list of steps.
    public static func describe(_ steps: [Int], inputSteps: Int) -> String {
        guard let first = steps.first else { return "no step" }
        let stride = steps.count > 1 ? steps[1] - first : 1
        let isSlice = stride > 0 && steps.enumerated().allSatisfy { $0.element == first + $0.offset * stride }
        if isSlice {
            let last = steps.last!
            // Y[:, a:b:s] with the end omitted when the slice runs to the last step.
            let end = last + stride >= inputSteps ? "" : "\(last + 1)"
            let start = first == 0 ? "" : "\(first)"
            let step = stride == 1 ? "" : ":\(stride)"
            let slice = "\(start):\(end)\(step)"
            return "Y[:, \(slice == ":" ? ":" : slice)]"
        }
        return "steps [" + steps.map(String.init).joined(separator: ", ") + "] of Y"
    }
}
