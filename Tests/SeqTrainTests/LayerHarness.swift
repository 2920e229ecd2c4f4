import SeqTrain

/// Runs a chain of layers forward and backward outside a model, exposing every gradient
/// (the model skips the first layer's input gradient, which these tests need).
struct LayerHarness {
    let layers: [Layer]
    let batch: Int

    /// Output, input gradient and each layer's parameter gradients for L = Σ output · upstream.
    func run(input: [Float], parameters: [[Float]], upstream: [Float]) -> (output: [Float], dinput: [Float], dparameters: [[Float]]) {
        var activations = [input]
        for (i, layer) in layers.enumerated() {
            var out = [Float](repeating: 0, count: batch * layer.outputShape.count)
            let inp = activations[i], params = parameters[i]
            inp.withUnsafeBufferPointer { x in
                params.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { o in
                        layer.forward(o.baseAddress!, x.baseAddress!, p.baseAddress ?? UnsafePointer(bitPattern: 8)!, batch: batch)
                    }
                }
            }
            activations.append(out)
        }
        var gradient = upstream
        var dparameters = [[Float]](repeating: [], count: layers.count)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[i]
            var dinp = [Float](repeating: .nan, count: batch * layer.inputShape.count)
            var dparams = [Float](repeating: .nan, count: max(layer.parameterCount, 1))
            let inp = activations[i], out = activations[i + 1], params = parameters[i]
            inp.withUnsafeBufferPointer { x in
                out.withUnsafeBufferPointer { o in
                    params.withUnsafeBufferPointer { p in
                        dinp.withUnsafeMutableBufferPointer { dx in
                            dparams.withUnsafeMutableBufferPointer { dp in
                                gradient.withUnsafeMutableBufferPointer { dout in
                                    layer.backward(dx.baseAddress!, dp.baseAddress!, dout.baseAddress!, x.baseAddress!, o.baseAddress!,
                                                   p.baseAddress ?? UnsafePointer(bitPattern: 8)!, batch: batch)
                                }
                            }
                        }
                    }
                }
            }
            dparameters[i] = Array(dparams.prefix(layer.parameterCount))
            gradient = dinp
        }
        return (activations.last!, gradient, dparameters)
    }

    /// L = Σ output · upstream, accumulated in float64.
    func loss(input: [Float], parameters: [[Float]], upstream: [Float]) -> Double {
        let output = run(input: input, parameters: parameters, upstream: upstream).output
        return zip(output, upstream).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
}
