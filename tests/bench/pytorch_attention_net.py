#!/usr/bin/python3
"""tests/bench/pytorch_attention_net.py: the same network in PyTorch, for comparison.

An optional extra, not part of the build: attograd never needs Python. It
times the corrected AttentionNet that nn/models/attention_net.h builds
(projection-shortcut ResBlocks, adaptive 4x4 pool), layer for layer, so
build/bench/attention_net can be read against it:

  /usr/bin/python3 tests/bench/pytorch_attention_net.py          # bench: eval forward, training step
  /usr/bin/python3 tests/bench/pytorch_attention_net.py --train  # the `make train` recipe, once

Bench: batch 32 of 3x16x16, SGD lr 0.01 momentum 0.9, 2 threads, median of
`--runs` calls after one warm-up call, as tests/bench/timing.h does.
--train: Fashion-MNIST's first 6000 training images resized (area) to 16x16,
normalized, one epoch of batch 32 with AdamW (lr 2e-3, weight decay 0.01,
5% warm-up then cosine), then the first 2000 test images: what
`build/train` does with its default flags, for comparing peak RSS with
/usr/bin/time -v.
"""
import argparse
import gzip
import math
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class ResBlock(nn.Module):
    """The document's ResBlock with attograd's fix: a 1x1 conv + BN shortcut when channels change."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = None
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x):
        residual = self.shortcut(x) if self.shortcut is not None else x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + residual
        return self.relu(out)


class SelfAttention(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.query = nn.Conv2d(in_channels, in_channels // 8, kernel_size=1)
        self.key = nn.Conv2d(in_channels, in_channels // 8, kernel_size=1)
        self.value = nn.Conv2d(in_channels, in_channels, kernel_size=1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        batch_size, channels, height, width = x.size()
        query = self.query(x).view(batch_size, -1, height * width).permute(0, 2, 1)
        key = self.key(x).view(batch_size, -1, height * width)
        energy = torch.bmm(query, key)
        attention = F.softmax(energy, dim=-1)
        value = self.value(x).view(batch_size, -1, height * width)
        out = torch.bmm(value, attention.permute(0, 2, 1))
        out = out.view(batch_size, channels, height, width)
        return self.gamma * out + x


class AttentionNet(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv1 = ConvBlock(in_channels, 64)
        self.res1 = ResBlock(64, 128)
        self.res2 = ResBlock(128, 256)
        self.attention = SelfAttention(256)
        self.fc = nn.Linear(256 * 4 * 4, num_classes)

    def forward(self, x):
        out = self.res2(self.res1(self.conv1(x)))
        out = self.attention(out)
        out = F.adaptive_avg_pool2d(out, (4, 4))
        return self.fc(out.view(out.size(0), -1))


def median_seconds(call, runs):
    call()  # warm-up, untimed
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(runs):
    torch.manual_seed(0)
    net = AttentionNet()
    x = torch.randn(32, 3, 16, 16)
    targets = torch.arange(32) % 10
    sgd = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    def infer():
        with torch.no_grad():
            net(x)

    def step():
        sgd.zero_grad()
        F.cross_entropy(net(x), targets).backward()
        sgd.step()

    net.eval()
    t_infer = median_seconds(infer, runs)
    net.train()
    t_step = median_seconds(step, runs)
    print(f"PyTorch {torch.__version__}, AttentionNet, batch 32 of 3x16x16, "
          f"{torch.get_num_threads()} threads, {sum(p.numel() for p in net.parameters())} parameters")
    print(f"  forward, eval, no graph            {t_infer * 1e3:8.1f} ms")
    print(f"  training step (fwd+bwd+SGD)        {t_step * 1e3:8.1f} ms")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, split, limit):
    images = read_idx(f"{folder}/{split}-images-idx3-ubyte.gz")[:limit]
    labels = read_idx(f"{folder}/{split}-labels-idx1-ubyte.gz")[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    x = F.adaptive_avg_pool2d(x, (16, 16))  # area resize 28x28 -> 16x16
    x = (x - 0.2860) / 0.3530
    return x, torch.from_numpy(labels.astype(np.int64))


def train(folder, limit, test_limit, batch):
    torch.manual_seed(0)
    x, y = load(folder, "train", limit)
    tx, ty = load(folder, "t10k", test_limit)
    net = AttentionNet(in_channels=1)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=0.01)
    steps = len(x) // batch
    warmup = max(1, int(0.05 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, steps - warmup))))
    order = torch.randperm(len(x))
    start = time.perf_counter()
    net.train()
    for s in range(steps):
        idx = order[s * batch:(s + 1) * batch]
        opt.zero_grad()
        loss = F.cross_entropy(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        sched.step()
    seconds = time.perf_counter() - start
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(tx), batch):
            correct += (net(tx[i:i + batch]).argmax(1) == ty[i:i + batch]).sum().item()
    print(f"{steps} steps in {seconds:.1f} s ({steps * batch / seconds:.1f} img/s), last loss {loss.item():.4f}, "
          f"test accuracy {100.0 * correct / len(tx):.2f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--train", action="store_true", help="run the `make train` recipe once")
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--limit", type=int, default=6000)
    parser.add_argument("--test-limit", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.train:
        train(args.data_dir, args.limit, args.test_limit, 32)
    else:
        bench(args.runs)


if __name__ == "__main__":
    main()
