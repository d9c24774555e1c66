"""TensorFlow's "basic classification" walk-through (Fashion-MNIST), written for Keras 3 and run
on ember: the only change is the import line.

    python examples/keras_fashion_mnist.py [--epochs 10]

Needs the Fashion-MNIST files (Debian: `apt-get install dataset-fashion-mnist`); see
`keras.datasets.fashion_mnist.load_data` for where they are looked for.
"""

import argparse

import numpy as np

from ember import keras  # with Keras 3: `import keras`

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--verbose", default="auto")
args = parser.parse_args()
verbose = int(args.verbose) if args.verbose.isdigit() else args.verbose

keras.utils.set_random_seed(0)
fashion_mnist = keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

train_images = train_images / 255.0
test_images = test_images / 255.0

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(10),
])
model.summary()

model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])

model.fit(train_images, train_labels, epochs=args.epochs, verbose=verbose)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("\nTest accuracy:", test_acc)

probability_model = keras.Sequential([model, keras.layers.Softmax()])
predictions = probability_model.predict(test_images, verbose=0)
first = int(np.argmax(predictions[0]))
print(f"First test image: predicted {class_names[first]!r} "
      f"({100 * predictions[0][first]:.1f}%), true {class_names[test_labels[0]]!r}")
