"""TensorBoard's own event-file writer -> Tests/SeqTrainTests/Fixtures/tensorboard_events.json.

Writes an event file with tensorboard.summary.writer.event_file_writer.EventFileWriter (the writer
TensorBoard ships, with its TFRecord framing and masked CRC32C): the file-version record, scalar
summaries (simple_value, as TensorBoard reads them), and the HParams plugin's session start and end
summaries made by tensorboard.plugins.hparams. The fixture holds what was written (so the Swift
test can encode the same events) and the file's bytes (base64), plus CRC-32C test vectors computed
by TensorBoard's crc32c. Deterministic: the clock is fixed, so rerunning gives the same file.

    pip install tensorboard==2.21.0
    python3 scripts/golden/make_tensorboard_fixture.py
"""

import base64
import glob
import json
import os
import platform
import tempfile
import time

import tensorboard
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c, masked_crc32c
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2, summary_v2 as hparams
from tensorboard.summary.writer.event_file_writer import EventFileWriter

FIXED_CLOCK = 1700000000.125  # the file-version record's wall time
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SeqTrainTests", "Fixtures", "tensorboard_events.json")


def varint(data, i):
    value, shift = 0, 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        shift += 7
        if byte < 0x80:
            return value, i


def map_key_order(start_info_bytes):
    """The hparams names in the order the serialized SessionStartInfo holds them (the Swift
    encoder writes them in the order it is given)."""
    keys, i = [], 0
    while i < len(start_info_bytes):
        tag, i = varint(start_info_bytes, i)
        field, wire = tag >> 3, tag & 7
        if wire == 2:
            length, i = varint(start_info_bytes, i)
            body = start_info_bytes[i:i + length]
            i += length
            if field == 1:  # a map entry: key (1), value (2)
                _, j = varint(body, 0)
                key_length, j = varint(body, j)
                keys.append(body[j:j + key_length].decode())
        elif wire == 1:
            i += 8
        elif wire == 0:
            _, i = varint(start_info_bytes, i)
        else:
            raise ValueError("unexpected wire type %d" % wire)
    return keys


def typed(value):
    """A hyperparameter value with its google.protobuf.Value kind spelt out (JSON readers blur bools and numbers)."""
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, (int, float)):
        return {"number": float(value)}
    return {"string": value}


def main():
    time.time = lambda: FIXED_CLOCK  # EventFileWriter stamps its first record with the clock
    folder = tempfile.mkdtemp()
    writer = EventFileWriter(folder)
    events = [{"wall_time": FIXED_CLOCK, "file_version": "brain.Event:2",
               "writer": "tensorboard.summary.writer.event_file_writer"}]

    def scalars(wall_time, step, values):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value) for tag, value in values])
        writer.add_event(event_pb2.Event(wall_time=wall_time, step=step, summary=summary))
        events.append({"wall_time": wall_time, "step": step, "scalars": [{"tag": t, "value": v} for t, v in values]})

    scalars(1700000001.5, 1, [("epoch_loss", 0.1)])
    scalars(1700000001.5, 1, [("epoch_learning_rate", 0.001)])
    scalars(1700000002.75, 2, [("epoch_loss", 0.05), ("epoch_mae", 12.75)])
    scalars(1700000003.0, 300, [("epoch_last_time_step_mse", -3.5)])
    scalars(0.0, 0, [("zero", 0.0)])  # proto3 leaves out a zero wall_time and step, but not a zero simple_value
    scalars(1700000004.0, 2 ** 40, [("big_step", 1e-30)])

    # The HParams plugin: a session's start (its hyperparameters) and end (its status).
    values = {"data.window": 12, "model.0.units": 16.0, "train.optimizer": "adam", "train.shuffle": False}
    start = hparams.hparams_pb(values, trial_id="00-window-12-units-16", start_time_secs=1700000000.5)
    # The map of hyperparameters is serialized in the protobuf runtime's hash order, which changes
    # from one process to the next; re-serialized deterministically (keys sorted) the file is the same
    # on every run. Readers accept map entries in any order.
    plugin = start.value[0].metadata.plugin_data
    plugin.content = plugin_data_pb2.HParamsPluginData.FromString(plugin.content).SerializeToString(deterministic=True)
    writer.add_event(event_pb2.Event(wall_time=1700000000.5, summary=start))
    start_info = plugin_data_pb2.HParamsPluginData.FromString(plugin.content).session_start_info.SerializeToString(deterministic=True)
    events.append({"wall_time": 1700000000.5, "hparams_start": {
        "group_name": "00-window-12-units-16", "start_time_secs": 1700000000.5,
        "hparams": [[key, typed(values[key])] for key in map_key_order(start_info)]}})
    # tensorboard.plugins.hparams.summary.session_end_pb needs TensorFlow; the v2 module's helper
    # makes the same summary (tag, plugin metadata, null tensor) without it.
    end = hparams._summary_pb(
        "_hparams_/session_end_info",
        plugin_data_pb2.HParamsPluginData(session_end_info=plugin_data_pb2.SessionEndInfo(
            status=api_pb2.STATUS_SUCCESS, end_time_secs=1700000100.25)))
    writer.add_event(event_pb2.Event(wall_time=1700000100.25, step=20, summary=end))
    events.append({"wall_time": 1700000100.25, "step": 20, "hparams_end": {"status": 1, "end_time_secs": 1700000100.25}})
    writer.close()

    (path,) = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
    with open(path, "rb") as f:
        data = f.read()
    vectors = [b"", b"a", b"123456789", bytes(range(256)) * 3]
    fixture = {
        "generated_by": {"script": "scripts/golden/make_tensorboard_fixture.py", "python": platform.python_version(),
                         "tensorboard": tensorboard.__version__},
        "events": events,
        "file_base64": base64.b64encode(data).decode(),
        "crc32c": [{"hex": v.hex(), "crc": crc32c(v), "masked": masked_crc32c(v)} for v in vectors],
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote %s: %d events, %d bytes" % (os.path.normpath(OUT), len(events), len(data)))


if __name__ == "__main__":
    main()
