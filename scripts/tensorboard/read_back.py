"""Read seqtrain runs back with TensorBoard's own readers and check them against history.csv.

    pip install tensorboard==2.21.0
    python3 scripts/tensorboard/read_back.py runs/            # every run and sweep below runs/
    python3 scripts/tensorboard/read_back.py runs/ --serve    # also ask a running TensorBoard server

For every run folder with a tensorboard/ folder, three readers must agree with history.csv:

1. TensorBoard's event-file loader, record by record over every file of train/ and validation/
   (a resumed run has several): each (tag, step) appears once, so no epoch is written twice.
2. TensorBoard's EventMultiplexer (what `tensorboard --load_fast=false` serves): the scalars
   epoch_loss, epoch_<metric> (and epoch_learning_rate in train/) at steps 1 ... N with the float32
   values of history.csv, bit for bit.
3. With --serve, a real `tensorboard --logdir DIR` process (its default, fast data server): the
   same scalars over HTTP, the HParams plugin's experiment (the swept axes) and one session group
   per sweep point, with best_val_loss equal to the lowest val_loss of the history.

Prints one line per run and exits non-zero at the first disagreement.
"""

import argparse
import csv
import glob
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from tensorboard.backend.event_processing import event_file_loader, event_multiplexer, plugin_event_multiplexer
from tensorboard.plugins.hparams import metadata as hparams_metadata


def f32(text):
    """A history cell as the float32 TensorBoard stores."""
    return struct.unpack("<f", struct.pack("<f", float(text)))[0]


def expected_scalars(run):
    """{subfolder: {tag: [(step, value)]}} from a run's history.csv (the learning rate is not in it)."""
    with open(os.path.join(run, "history.csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    out = {"train": {}, "validation": {}}
    for column, name in enumerate(header[1:], start=1):
        subfolder, metric = ("validation", name[4:]) if name.startswith("val_") else ("train", name)
        out[subfolder]["epoch_" + metric] = [(int(row[0]), f32(row[column])) for row in rows]
    return out


def fail(message):
    print("MISMATCH: " + message)
    sys.exit(1)


def check_files(run, expected):
    """Every record of every file: each (tag, step) once."""
    for subfolder in expected:
        seen = {}
        files = sorted(glob.glob(os.path.join(run, "tensorboard", subfolder, "*tfevents*")))
        for path in files:
            for event in event_file_loader.EventFileLoader(path).Load():
                for value in event.summary.value:
                    key = (value.tag, event.step)
                    if key in seen:
                        fail("%s: %s step %d is in %s and %s" % (run, value.tag, event.step, seen[key], os.path.basename(path)))
                    seen[key] = os.path.basename(path)
        steps = sorted(step for tag, step in seen if tag == "epoch_loss")
        if steps != [step for step, _ in expected[subfolder]["epoch_loss"]]:
            fail("%s/%s: epoch_loss at steps %s" % (run, subfolder, steps))
        yield len(files)


def check_multiplexer(logdir, runs):
    multiplexer = event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    for run, expected in runs.items():
        for subfolder, tags in expected.items():
            name = os.path.relpath(os.path.join(run, "tensorboard", subfolder), logdir)
            for tag, points in tags.items():
                got = [(e.step, e.value) for e in multiplexer.Scalars(name, tag)]
                if got != points:
                    fail("%s %s: TensorBoard reads %s, history.csv says %s" % (name, tag, got, points))
            if subfolder == "train":
                rates = multiplexer.Scalars(name, "epoch_learning_rate")
                if [e.step for e in rates] != [step for step, _ in tags["epoch_loss"]]:
                    fail("%s epoch_learning_rate at steps %s" % (name, [e.step for e in rates]))


def check_hparams(logdir):
    """The sweep sessions: their hparams and best_val_loss, as the HParams plugin reads them."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    sessions = {}
    for name, tags in multiplexer.PluginRunToTagToContent(hparams_metadata.PLUGIN_NAME).items():
        if hparams_metadata.SESSION_START_INFO_TAG not in tags:
            continue
        start = hparams_metadata.parse_session_start_info_plugin_data(tags[hparams_metadata.SESSION_START_INFO_TAG])
        run = os.path.dirname(os.path.join(logdir, name))
        with open(os.path.join(run, "history.csv")) as f:
            rows = list(csv.DictReader(f))
        best = min(f32(row["val_loss"]) for row in rows)
        recorded = [e for e in multiplexer.Tensors(name, "best_val_loss")]
        if [e.tensor_proto.float_val[0] for e in recorded] != [best]:
            fail("%s: best_val_loss %s, history.csv's lowest val_loss is %s" % (name, recorded, best))
        sessions[name] = (start.group_name, {k: json.loads(json.dumps(v.number_value if v.HasField("number_value") else
                                                                       v.bool_value if v.HasField("bool_value") else v.string_value))
                                            for k, v in start.hparams.items()}, best)
    return sessions


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def check_server(logdir, runs, sessions):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://localhost:%d" % port

    def get(path, body=None):
        request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    try:
        wanted = {os.path.relpath(os.path.join(run, "tensorboard", sub), logdir) for run in runs for sub in ("train", "validation")}
        for _ in range(120):  # the server loads the folder in the background
            try:
                shown = set(get("/data/runs"))
                if wanted <= shown and all(get("/data/plugin/scalars/scalars?" + urllib.parse.urlencode(
                        {"run": os.path.relpath(os.path.join(run, "tensorboard", "validation"), logdir), "tag": "epoch_loss"}))
                        for run in runs):
                    break
            except Exception:
                pass
            time.sleep(1)
        else:
            fail("the TensorBoard server did not show every run within two minutes")
        for run, expected in runs.items():
            for subfolder, tags in expected.items():
                name = os.path.relpath(os.path.join(run, "tensorboard", subfolder), logdir)
                for tag, points in tags.items():
                    got = [(step, value) for _, step, value in get("/data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": name, "tag": tag}))]
                    if got != points:
                        fail("server: %s %s shows %s, history.csv says %s" % (name, tag, got, points))
        if sessions:
            experiment = get("/data/plugin/hparams/experiment", {"experimentName": ""})
            axes = sorted(info["name"] for info in experiment["hparamInfos"])
            groups = get("/data/plugin/hparams/session_groups", {
                "experimentName": "", "startIndex": 0, "sliceSize": 10000,
                "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
                "colParams": [{"metric": {"tag": "best_val_loss", "group": ""}, "order": "ORDER_ASC"}]})["sessionGroups"]
            for group in groups:
                (session,) = group["sessions"]
                label, hparams, best = sessions[session["name"]]
                metric = [m["value"] for m in group["metricValues"] if m["name"]["tag"] == "best_val_loss" and not m["name"].get("group")]
                if group["name"] != label or group["hparams"] != hparams or metric != [best]:
                    fail("server: session group %s shows %s %s, expected %s %s %s" % (group["name"], group["hparams"], metric, label, hparams, best))
            print("server: HParams dashboard has axes %s and %d session groups, sorted by best_val_loss: %s" % (
                ", ".join(axes), len(groups), ", ".join(g["name"] for g in groups)))
        print("server: %d runs shown at http://localhost:%d with the history's values" % (len(wanted), port))
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("logdir")
    parser.add_argument("--serve", action="store_true", help="also start `tensorboard --logdir LOGDIR` and query it over HTTP")
    args = parser.parse_args()
    logdir = os.path.abspath(args.logdir)
    runs = {os.path.dirname(os.path.dirname(path)): None
            for path in glob.glob(os.path.join(logdir, "**", "tensorboard", "train"), recursive=True)}
    if not runs:
        fail("no run with a tensorboard/ folder under %s" % logdir)
    for run in sorted(runs):
        runs[run] = expected_scalars(run)
        files = list(check_files(run, runs[run]))
        epochs = len(runs[run]["train"]["epoch_loss"])
        print("%s: %d epochs, %s event files (train, validation), every (tag, step) once" % (
            os.path.relpath(run, logdir), epochs, "/".join(map(str, files))))
    check_multiplexer(logdir, runs)
    print("EventMultiplexer: every scalar of %d runs equals history.csv bit for bit" % len(runs))
    sessions = check_hparams(logdir)
    for name, (label, hparams, best) in sorted(sessions.items(), key=lambda item: item[1][0]):
        print("hparams session %s: %s, best_val_loss %s" % (label, hparams, best))
    if args.serve:
        check_server(logdir, runs, sessions)
    print("OK")


if __name__ == "__main__":
    main()
