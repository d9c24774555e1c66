"""Fashion-MNIST with an explicit PyTorch-style loop: an MLP or a small CNN, a learning-rate
schedule, evaluation under no_grad, and checkpoints you can resume from.

    python examples/fashion_mnist.py --model mlp --epochs 5        # 88.6% test accuracy
    python examples/fashion_mnist.py --model cnn --epochs 3        # 89.2% test accuracy
    python examples/fashion_mnist.py --model cnn --epochs 3 --resume ckpt.pt

Data: the IDX files of Debian's dataset-fashion-mnist package (/usr/share/datasets/
fashion-mnist), or --root with the four standard .gz files.
"""

import argparse
import os
import time

import ember
from ember import nn
from ember.data import DataLoader, datasets, transforms


def mlp():
    """W1 of BENCHMARKS.md: 784-256-128-10 with ReLU."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def cnn():
    """W2 of BENCHMARKS.md: two 3x3 conv blocks with max-pooling, dropout, one linear layer."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    loss = 0.0
    with ember.no_grad():
        for x, y in loader:
            out = model(x)
            loss += nn.functional.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            total += len(y)
    return loss / total, correct / total


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--root", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=None,
                        help="Adam learning rate (default 1e-3 for the MLP, 2e-3 for the CNN)")
    parser.add_argument("--gamma", type=float, default=None,
                        help="StepLR decay per epoch (default 0.7 for the MLP, 0.6 for the CNN)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None, help="save a checkpoint here every epoch")
    parser.add_argument("--resume", default=None, help="continue from this checkpoint")
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = 1e-3 if args.model == "mlp" else 2e-3
    if args.gamma is None:
        args.gamma = 0.7 if args.model == "mlp" else 0.6

    ember.manual_seed(args.seed)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    train_set = datasets.FashionMNIST(args.root, train=True, transform=tf)
    test_set = datasets.FashionMNIST(args.root, train=False, transform=tf)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = mlp() if args.model == "mlp" else cnn()
    optimizer = ember.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    loss_fn = nn.CrossEntropyLoss()
    start_epoch = 0
    if args.resume and os.path.exists(args.resume):
        ckpt = ember.load(args.resume)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        ember.set_rng_state(ckpt["rng"])
        start_epoch = ckpt["epoch"]
        print(f"resumed from {args.resume} after epoch {start_epoch}")

    print(model)
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        train_loss = train_one_epoch(model, train_loader, optimizer, loss_fn)
        scheduler.step()
        test_loss, acc = evaluate(model, test_loader)
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch + 1}/{args.epochs}  train loss {train_loss:.4f}  test loss "
              f"{test_loss:.4f}  test accuracy {100 * acc:.2f}%  lr {lr:.2e}"
              f"  ({time.time() - t0:.1f} s)")
        if args.checkpoint:
            ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "epoch": epoch + 1,
                        "rng": ember.get_rng_state()}, args.checkpoint)
    return acc


if __name__ == "__main__":
    main()
