// The whole library under one name: `import SeqTrain` gives every area's public API.
@_exported import SeqTrainConfig
@_exported import SeqTrainCore
@_exported import SeqTrainData
@_exported import SeqTrainModel
@_exported import SeqTrainOptimizers
@_exported import SeqTrainRuns
@_exported import SeqTrainTraining
