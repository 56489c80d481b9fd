"""A', what users write instead of imind: pandas read_csv + PyTorch scoring.

Scores a CSV of sensor readings with the same autoencoder as imind (weights
exported by test/bench/export-weights.mjs) and writes the same columns.
Written the way a data scientist would: whole file in memory, vectorised
pandas checks, one torch forward pass.

    /usr/bin/python3 test/bench/pandas_predict.py weights.json in.csv out.csv
"""

import json
import sys

import pandas as pd
import torch
from torch import nn


def build_model(layers):
    modules = []
    for layer in layers:
        linear = nn.Linear(layer["in"], layer["out"])
        with torch.no_grad():
            # ONNX Gemm weights are [in][out]; nn.Linear keeps [out][in].
            linear.weight.copy_(torch.tensor(layer["weight"], dtype=torch.float32).T)
            linear.bias.copy_(torch.tensor(layer["bias"], dtype=torch.float32))
        modules.append(linear)
        if layer["activation"] == "tanh":
            modules.append(nn.Tanh())
    return nn.Sequential(*modules).eval()


def main(weights_path, input_path, output_path):
    spec = json.load(open(weights_path))
    names = [f["name"] for f in spec["features"]]
    model = build_model(spec["layers"])
    mean = torch.tensor(spec["scaler"]["mean"], dtype=torch.float32)
    std = torch.tensor(spec["scaler"]["std"], dtype=torch.float32)
    threshold = spec["threshold"]

    df = pd.read_csv(input_path)
    df["row"] = range(1, len(df) + 1)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, errors="coerce")
    valid = df["timestamp"].notna() & df["machine_id"].notna()
    for f in spec["features"]:
        valid &= df[f["name"]].between(f["min"], f["max"])
    bad = int((~valid).sum())
    if bad:
        print(f"{bad} invalid rows", file=sys.stderr)
    df = df[valid]

    x = torch.tensor(df[names].to_numpy(), dtype=torch.float32)
    with torch.no_grad():
        z = (x - mean) / std
        errors = (z - model(z)) ** 2
        score = errors.mean(dim=1)
        contributions = errors / errors.sum(dim=1, keepdim=True)

    score = score.numpy()
    out = pd.DataFrame(
        {
            "row": df["row"].to_numpy(),
            "timestamp": df["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "machine_id": df["machine_id"].to_numpy(),
            "is_anomaly": score > threshold,
            "anomaly_score": score,
            "threshold": threshold,
            "confidence": (abs(score - threshold) / pd.Series(score).clip(lower=threshold).to_numpy()).clip(0, 1),
        }
    )
    for i, name in enumerate(names):
        out[f"contrib_{name}"] = contributions[:, i].numpy()
    out.to_csv(output_path, index=False)
    print(f"{len(out)} rows scored", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
