#!/usr/bin/python3
"""The Python side of the example: train instances of a Fashion-MNIST classifier and script them.

The model is written the way most PyTorch code is: functional steps in forward (F.relu,
F.max_pool2d, F.dropout, torch.flatten) and a softmax at the end. mutagen reads its layers from the
scripted graph and trains and localises on the input of that softmax (the logits).

usage: make_instances.py OUT_DIR [--count 5] [--train 6000] [--epochs 2]
       [--data /usr/share/datasets/fashion-mnist]
Writes OUT_DIR/instance-<seed>.pt for seeds 0..count-1 (each file atomically); skips files that exist.
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class FashionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc1 = nn.Linear(16 * 12 * 12, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.dropout(x, 0.25, self.training)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.softmax(self.fc2(x), dim=1)


def read_idx(path, header):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--train", type=int, default=6000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    images = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"), 16)
    labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz"), 8)
    x = torch.tensor(images[: a.train * 784].reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
    y = torch.tensor(labels[: a.train].astype(np.int64))
    for seed in range(a.count):
        path = os.path.join(a.out, f"instance-{seed}.pt")
        if os.path.exists(path):
            continue
        torch.manual_seed(seed)
        net = FashionNet()
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        for _ in range(a.epochs):
            order = torch.randperm(len(x))
            for i in range(0, len(x), 64):
                batch = order[i : i + 64]
                opt.zero_grad()
                # The model outputs probabilities: the loss takes their log.
                F.nll_loss(torch.log(net(x[batch]) + 1e-12), y[batch]).backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            accuracy = (net(x).argmax(1) == y).float().mean().item()
        torch.jit.save(torch.jit.script(net), path + ".tmp")
        os.replace(path + ".tmp", path)
        print(f"{path}: training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
