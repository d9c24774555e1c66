"""A sequence model: an LSTM reads each 8x8 digit row by row (8 steps of 8 pixels) and
classifies it from its last hidden state. Real data, bundled with ember, no network.

    python examples/sequence_lstm.py
"""

import time

import ember
from ember import nn
from ember.data import DataLoader, TensorDataset, datasets


class RowLSTM(nn.Module):
    def __init__(self, hidden: int = 64, classes: int = 10):
        super().__init__()
        self.lstm = nn.LSTM(input_size=8, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):  # x: (batch, 8 rows, 8 pixels)
        out, (h_n, c_n) = self.lstm(x)
        return self.head(h_n[-1])


def main(epochs: int = 20):
    ember.manual_seed(0)
    train, test = datasets.Digits(), datasets.Digits(train=False)
    loader = DataLoader(TensorDataset(train.data / 16.0, train.targets), batch_size=32,
                        shuffle=True)
    model = RowLSTM()
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
    start = time.time()
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    model.eval()
    with ember.no_grad():
        acc = (model(test.data / 16.0).argmax(1) == test.targets).float().mean().item()
    print(f"LSTM over digit rows: test accuracy {100 * acc:.2f}% after {epochs} epochs "
          f"({time.time() - start:.1f} s)")
    return acc


if __name__ == "__main__":
    main()
