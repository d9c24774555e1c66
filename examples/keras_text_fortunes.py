"""Text classification with Keras layers on ember: which fortune-cookie file does a quote come
from? Four topics of the BSD `fortunes` collection (computers, politics, science, songs-poems;
3,099 real quotes), `TextVectorization` + `Embedding` + a recurrent or convolutional encoder.

    apt-get install fortunes          # the data: /usr/share/games/fortunes
    python examples/keras_text_fortunes.py [--model lstm|conv] [--epochs 12]

Chance is 0.34 (always "computers"); a bag-of-words logistic regression reaches about 0.68.
"""

import argparse
import os

import numpy as np

from ember import keras
from ember.keras import layers

FORTUNES = "/usr/share/games/fortunes"
TOPICS = ["computers", "politics", "science", "songs-poems"]


def load_fortunes(root=FORTUNES, topics=TOPICS, test_fraction=0.2, seed=0):
    """(train_texts, train_labels), (test_texts, test_labels): a stratified, seeded split,
    each in shuffled order."""
    if not os.path.isdir(root):
        raise SystemExit(f"{root} not found: install the data with `apt-get install fortunes`")
    rng = np.random.default_rng(seed)
    train, test = ([], []), ([], [])
    for label, topic in enumerate(topics):
        with open(os.path.join(root, topic), encoding="utf-8", errors="replace") as f:
            records = [r.strip() for r in f.read().split("\n%\n")]
        records = [r for r in records if r and r != "%"]
        order = rng.permutation(len(records))
        n_test = int(round(test_fraction * len(records)))
        for i, k in enumerate(order):
            texts, labels = test if i < n_test else train
            texts.append(records[k])
            labels.append(label)
    # shuffle, so that validation_split (the last 10%) holds every topic
    out = []
    for texts, labels in (train, test):
        order = rng.permutation(len(texts))
        out.append((np.array(texts, dtype=object)[order], np.array(labels)[order]))
    return tuple(out)


def build_model(kind, vocab_size, num_classes):
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(vocab_size, 64, mask_zero=(kind == "lstm"))(inputs)
    if kind == "lstm":
        x = layers.Bidirectional(layers.LSTM(32))(x)
    else:
        x = layers.Conv1D(64, 5, activation="relu", padding="same")(x)
        x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=f"fortunes_{kind}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["lstm", "conv"], default="lstm")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--verbose", default="auto")
    args = parser.parse_args()
    verbose = int(args.verbose) if args.verbose.isdigit() else args.verbose

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_fortunes()
    print(f"{len(x_train)} training and {len(x_test)} test quotes in {len(TOPICS)} topics")

    vectorize = layers.TextVectorization(max_tokens=10000, output_sequence_length=100)
    vectorize.adapt(x_train)
    train_ids = vectorize(x_train).numpy()
    test_ids = vectorize(x_test).numpy()

    model = build_model(args.model, len(vectorize.get_vocabulary()), len(TOPICS))
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_ids, y_train, batch_size=32, epochs=args.epochs, validation_split=0.1,
              callbacks=[keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=3,
                                                       restore_best_weights=True)],
              verbose=verbose)
    loss, acc = model.evaluate(test_ids, y_test, verbose=0)
    print(f"Test accuracy: {acc:.4f} (chance {np.bincount(y_test).max() / len(y_test):.2f})")


if __name__ == "__main__":
    main()
