import Foundation

/// Where a run's messages go.
public struct Console {
    /// Writes text as is (the caller adds newlines).
    public var write: (String) -> Void
    /// Whether progress may be redrawn in place (a terminal, not a file or pipe).
    public var interactive: Bool

    /// A console writing to `write`.
    public init(interactive: Bool, write: @escaping (String) -> Void) {
        self.interactive = interactive
        self.write = write
    }

    /// Standard output; interactive when it is a terminal.
    public static var standardOutput: Console {
        Console(interactive: isatty(STDOUT_FILENO) == 1) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// Discards everything (for tests).
    public static var silent: Console { Console(interactive: false) { _ in } }
}

/// Trains an experiment into a new run folder, or evaluates a finished run.
public enum TrainingRun {
    /// The resolved config text and its hash (the hash ignores the comment header).
    public static func resolvedConfig(_ experiment: Experiment, source: String?) -> (text: String, hash: String) {
        let body = ExperimentWriter.yaml(experiment)
        let hash = Fingerprint.hex(Fingerprint.fnv1a(body.utf8))
        var header = ["Resolved by seqtrain \(SeqTrainVersion.current): every default is written out."]
        if let source { header.append("Source: \(source)") }
        return (ExperimentWriter.yaml(experiment, header: header), hash)
    }

    /// Trains `experiment` with `threads` threads and writes its run under `runsDir`; returns the run
    /// folder. The thread count changes only the speed, never a number.
    @discardableResult
    public static func train(_ experiment: Experiment, source: String?, runsDir: String, threads: Int = 1,
                             console: Console) throws -> RunFolder {
        let started = Date()
        let dataset = Dataset(config: experiment.data, seed: experiment.seed)
        let naiveValid = Trainer.naive(dataset: dataset, experiment: experiment, split: .valid)
        let naiveTest = Trainer.naive(dataset: dataset, experiment: experiment, split: .test)
        let (configText, configHash) = resolvedConfig(experiment, source: source)
        let trainer: Trainer? = experiment.model == .naive ? nil : Trainer(experiment: experiment, dataset: dataset, threads: threads)
        if let trainer { console.write(trainer.model.summary(title: experiment.name) + "\n") }

        let run = try RunFolder.create(runsDir: runsDir, name: experiment.name)
        try AtomicFile.write(configText, to: run.configPath)
        var history = History(metrics: experiment.train.metrics)
        try AtomicFile.write(history.csv, to: run.historyPath)
        var summary = RunSummary(experiment: experiment, configHash: configHash, dataHash: dataset.fingerprint)
        summary.threads = trainer?.pool.threadCount ?? 1
        summary.naiveValid = naiveValid
        summary.naiveTest = naiveTest

        guard let trainer else {
            let train = Trainer.naive(dataset: dataset, experiment: experiment, split: .train)
            summary.finalTrain = train
            summary.finalValid = naiveValid
            summary.test = naiveTest
            summary.seconds = Date().timeIntervalSince(started)
            try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
            console.write("naive (last value) - loss: \(ProgressLine.figure(train.loss)) - val_loss: \(ProgressLine.figure(naiveValid.loss))"
                + figures(naiveValid, experiment, prefix: " - val_") + "\n")
            console.write("Run saved to \(run.path)\n")
            return run
        }

        let epochs = experiment.train.epochs
        let progress = ProgressLine(totalSteps: trainer.stepsPerEpoch, interactive: console.interactive, output: console.write)
        var timing = "epoch,seconds\n"
        var state = TrainingState(epoch: 0, iterations: 0, bestEpoch: 0, bestValLoss: .infinity)
        var bestWeights = trainer.model.parameters.array
        for epoch in 1...epochs {
            let epochStart = Date()
            progress.beginEpoch(epoch, of: epochs)
            let train = try trainer.trainEpoch(epoch) { step, loss in progress.update(step: step, loss: loss) }
            let valid = trainer.evaluate(.valid)
            let seconds = Date().timeIntervalSince(epochStart)
            progress.endEpoch(figures: [("loss", train.loss)] + zip(experiment.train.metrics, train.metrics).map { ($0.rawValue, $1) }
                + [("val_loss", valid.loss)] + zip(experiment.train.metrics, valid.metrics).map { ("val_" + $0.rawValue, $1) })

            state.epoch = epoch
            state.iterations = trainer.optimizer.iterations
            let improved = Float(valid.loss) < state.bestValLoss
            if improved {
                state.bestEpoch = epoch
                state.bestValLoss = Float(valid.loss)
                bestWeights = trainer.model.parameters.array
            }
            // Checkpoints first, history after: a crash between them leaves a history no longer than
            // the checkpoint, never the reverse.
            let checkpoint = Checkpoint.make(model: trainer.model, optimizer: trainer.optimizer, state: state, configHash: configHash).serialized()
            try AtomicFile.write(checkpoint, to: run.checkpointPath("last"))
            if improved { try AtomicFile.write(checkpoint, to: run.checkpointPath("best")) }
            history.append(epoch: epoch, train: train, valid: valid)
            try AtomicFile.write(history.csv, to: run.historyPath)
            timing += "\(epoch),\(String(format: "%.6f", seconds))\n"
            try AtomicFile.write(timing, to: run.timingPath)
            summary.finalTrain = train
            summary.finalValid = valid
            summary.epochs = epoch
            summary.epochSeconds.append(seconds)
            if improved { summary.best = (epoch, valid) }
        }

        let lastWeights = trainer.model.parameters.array
        trainer.model.parameters.assign(bestWeights)
        summary.test = trainer.evaluate(.test)
        trainer.model.parameters.assign(lastWeights)
        summary.parameters = trainer.model.parameterCount
        summary.seconds = Date().timeIntervalSince(started)
        try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
        if let best = summary.best {
            console.write("Best epoch \(best.epoch): val_loss \(ProgressLine.figure(best.valid.loss)) "
                + "(naive \(ProgressLine.figure(naiveValid.loss)))\n")
        }
        console.write("Run saved to \(run.path)\n")
        return run
    }

    /// ` - val_mse: 0.0123` for each metric.
    static func figures(_ evaluation: Evaluation, _ experiment: Experiment, prefix: String) -> String {
        zip(experiment.train.metrics, evaluation.metrics).map { "\(prefix)\($0.rawValue): \(ProgressLine.figure($1))" }.joined()
    }

    /// Evaluates a checkpoint of a finished run on a split.
    public static func evaluate(run: RunFolder, split: SplitName, checkpoint: String) throws -> (Experiment, Evaluation) {
        let experiment = try ExperimentParser.load(path: run.configPath)
        let dataset = Dataset(config: experiment.data, seed: experiment.seed)
        guard experiment.model != .naive else {
            return (experiment, Trainer.naive(dataset: dataset, experiment: experiment, split: split))
        }
        let trainer = Trainer(experiment: experiment, dataset: dataset)
        let file = try run.loadCheckpoint(checkpoint)
        let (_, hash) = resolvedConfig(experiment, source: nil)
        if let stored = file.metadata["config_hash"], stored != hash {
            throw Checkpoint.MismatchError(description: "the checkpoint was made for another config (hash \(stored), config.yaml has \(hash))")
        }
        try Checkpoint.restore(file, into: trainer.model)
        return (experiment, trainer.evaluate(split))
    }
}
