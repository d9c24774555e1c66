"""Preprocessing layers: Rescaling, Normalization (adapt), CategoryEncoding and
TextVectorization — Keras's documented outputs, formulas, configs and error messages."""

import math

import numpy as np
import pytest

import ember
from ember.data import DataLoader, TensorDataset
from ember.keras import layers
from ember.keras.layers import Input

torch = pytest.importorskip("torch")


def npy(t):
    return t.detach().numpy()


def roundtrip(layer, **kwargs):
    config = layer.get_config()
    clone = type(layer).from_config(config, **kwargs)
    assert clone.get_config() == config
    return clone


# -- Rescaling ------------------------------------------------------------------------------------

class TestRescaling:
    def test_values_and_dtypes(self):
        img = np.array([[0, 128, 255]], dtype=np.uint8)
        out = layers.Rescaling(1.0 / 255)(img)
        assert out.dtype == ember.float32
        np.testing.assert_allclose(npy(out), img / 255.0, rtol=1e-6)
        centred = layers.Rescaling(1.0 / 127.5, offset=-1.0)(img.astype("float32"))
        np.testing.assert_allclose(npy(centred), img / 127.5 - 1, rtol=1e-6, atol=1e-7)

    def test_per_channel_scale(self):
        x = np.ones((2, 4, 4, 3), dtype="float32")
        out = npy(layers.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 0.0, 1.0])(x))
        assert out[0, 0, 0].tolist() == [1.0, 2.0, 4.0]

    def test_symbolic_config_and_gradient(self):
        assert layers.Rescaling(2.0)(Input(shape=(28, 28, 1))).shape == (None, 28, 28, 1)
        layer = roundtrip(layers.Rescaling(np.array([0.5, 2.0]), offset=1.0))
        assert layer.get_config()["scale"] == [0.5, 2.0]
        x = ember.ones(2, 2, requires_grad=True)
        layers.Rescaling(3.0)(x).sum().backward()
        assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


# -- Normalization --------------------------------------------------------------------------------

def reference(x, mean, var):
    return (x - mean) / np.maximum(np.sqrt(var), 1e-7)


class TestNormalization:
    def test_keras_documented_examples(self):
        layer = layers.Normalization(axis=None)
        layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32"))
        np.testing.assert_allclose(npy(layer(np.array([1.0, 2.0, 3.0], "float32"))),
                                   [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
        data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]])
        per_feature = layers.Normalization(axis=-1)
        per_feature.adapt(data)
        assert npy(per_feature(np.array([[0.0, 7.0, 4.0]]))).tolist() == [[-1.0, -1.0, -1.0]]
        given = layers.Normalization(mean=3.0, variance=2.0)
        np.testing.assert_allclose(npy(given(np.array([[1.0], [2.0], [3.0]]))),
                                   [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
        inverse = layers.Normalization(axis=-1, invert=True)
        inverse.adapt(data)
        assert npy(inverse(np.array([[1.0, 2.0, 3.0]]))).tolist() == [[2.0, 10.0, 8.0]]

    def test_statistics_match_numpy_and_torch(self):
        x = np.random.default_rng(0).normal(3.0, 2.0, (500, 4)).astype("float32")
        layer = layers.Normalization()
        layer.adapt(x)
        mean, var, count = layer.get_weights()
        np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5)
        np.testing.assert_allclose(var, x.var(0), rtol=1e-5)
        assert count.shape == () and count.dtype == np.int64
        xt = torch.from_numpy(x)
        ref = (xt - xt.mean(0)) / torch.sqrt(xt.var(0, unbiased=False))
        np.testing.assert_allclose(npy(layer(x)), ref.numpy(), rtol=1e-4, atol=1e-5)

    def test_param_counts_match_keras(self):
        layer = layers.Normalization()
        layer.adapt(np.zeros((4, 3)))
        assert layer.count_params() == 7  # mean (3) + variance (3) + count (1)
        assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
        given = layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0])
        given(np.zeros((1, 2)))
        assert given.count_params() == 0

    def test_axes(self):
        x = np.random.default_rng(1).normal(size=(6, 3, 4)).astype("float32")
        both = layers.Normalization(axis=(1, 2))
        both.adapt(x)
        np.testing.assert_allclose(npy(both(x)), reference(x, x.mean(0), x.var(0)),
                                   rtol=1e-4, atol=1e-5)
        middle = layers.Normalization(axis=1)
        middle.adapt(x)
        mean, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
        np.testing.assert_allclose(npy(middle(x)), reference(x, mean, var), rtol=1e-4, atol=1e-5)
        scalar = layers.Normalization(axis=None)
        scalar.adapt(x)
        np.testing.assert_allclose(npy(scalar(x)), reference(x, x.mean(), x.var()),
                                   rtol=1e-4, atol=1e-5)

    def test_zero_variance_uses_keras_epsilon(self):
        layer = layers.Normalization()
        layer.adapt(np.array([[1.0, 5.0], [3.0, 5.0]]))
        out = npy(layer(np.array([[1.0, 5.0], [2.0, 5.0 + 1e-6]], "float32")))
        np.testing.assert_allclose(out[:, 0], [-1.0, 0.0], atol=1e-6)
        assert out[0, 1] == 0.0
        assert math.isclose(out[1, 1], 1e-6 / 1e-7, rel_tol=0.1)  # divided by eps, not by 0

    @pytest.mark.parametrize("make_batches", [
        lambda x: [x[:100], x[100:250], x[250:]],
        lambda x: (b for b in np.array_split(x, 7)),
        lambda x: [(x[:150], np.zeros(150)), (x[150:], np.zeros(150))],
        lambda x: DataLoader(TensorDataset(ember.from_numpy(x)), batch_size=64),
    ])
    def test_adapt_on_batches_equals_full_data(self, make_batches):
        x = np.random.default_rng(2).normal(1.0, 3.0, (300, 5)).astype("float32")
        layer = layers.Normalization()
        layer.adapt(make_batches(x))
        mean, var, _ = layer.get_weights()
        np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(var, x.var(0), rtol=1e-5)

    def test_adapt_tensor_and_nested_list(self):
        layer = layers.Normalization()
        layer.adapt(ember.tensor([[1.0, 2.0], [3.0, 6.0]]))
        assert layer.get_weights()[0].tolist() == [2.0, 4.0]
        nested = layers.Normalization()
        nested.adapt([[1.0, 2.0], [3.0, 6.0]])
        assert nested.get_weights()[1].tolist() == [1.0, 4.0]

    def test_symbolic_and_weights_roundtrip(self):
        layer = layers.Normalization()
        layer.adapt(np.array([[1.0, 2.0], [3.0, 6.0]]))
        assert layer(Input(shape=(2,))).shape == (None, 2)
        clone = roundtrip(layer)
        clone(np.zeros((1, 2), "float32"))
        clone.set_weights(layer.get_weights())
        x = np.array([[0.0, 1.0]], "float32")
        np.testing.assert_array_equal(npy(clone(x)), npy(layer(x)))
        given = roundtrip(layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0], invert=True))
        assert npy(given(np.zeros((1, 2), "float32"))).tolist() == [[1.0, 2.0]]

    def test_errors(self):
        with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
            layers.Normalization(mean=1.0)
        with pytest.raises(ValueError, match="same shape"):
            layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
        layer = layers.Normalization()
        layer.adapt(np.zeros((4, 3)))
        with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 3\).*adapt\(\) "
                                             r"data has shape \(4, 2\)"):
            layer.adapt(np.zeros((4, 2)))
        with pytest.raises(ValueError, match=r"the input has shape \(1, 4\)"):
            layer(np.zeros((1, 4), "float32"))
        with pytest.raises(ValueError, match="adapt\\(\\) would overwrite"):
            layers.Normalization(mean=0.0, variance=1.0).adapt(np.zeros((2, 1)))
        with pytest.raises(ValueError, match="no data"):
            layers.Normalization().adapt(iter([]))
        with pytest.raises(ValueError, match=r"axis.*range"):
            layers.Normalization(axis=3).adapt(np.zeros((2, 3)))


# -- CategoryEncoding -----------------------------------------------------------------------------

class TestCategoryEncoding:
    def test_keras_documented_examples(self):
        one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
        assert npy(one_hot(np.array([3, 2, 0, 1]))).tolist() == [
            [0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
        multi = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
        assert npy(multi(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))).tolist() == [
            [1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]
        count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
        weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
        out = npy(count(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]), count_weights=weights))
        np.testing.assert_allclose(out, [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0],
                                         [0, 0.2, 0, 0.4]], rtol=1e-6)
        assert npy(count(np.array([[2, 2, 0]]))).tolist() == [[1, 0, 2, 0]]

    def test_shapes(self):
        one_hot = layers.CategoryEncoding(5, output_mode="one_hot")
        assert one_hot(np.array([[1], [4]])).shape == (2, 5)
        assert one_hot(Input(shape=(1,), dtype="int64")).shape == (None, 5)
        multi = layers.CategoryEncoding(5)
        assert multi(np.array([1, 3])).shape == (5,)  # a 1-D input is one sample
        assert multi(Input(shape=(3,), dtype="int64")).shape == (None, 5)
        assert multi(np.array([1, 3])).dtype == ember.float32
        out = multi(np.array([[1.0, 3.0]], "float32"))  # integral floats are accepted
        assert npy(out).tolist() == [[0, 1, 0, 1, 0]]
        unbuilt = layers.CategoryEncoding(3)
        unbuilt(np.array([[0]]))
        assert unbuilt.count_params() == 0 and unbuilt.weights == []

    def test_errors_and_config(self):
        with pytest.raises(ValueError, match="num_tokens must be set"):
            layers.CategoryEncoding()
        with pytest.raises(ValueError, match="output_mode"):
            layers.CategoryEncoding(3, output_mode="tf_idf")
        with pytest.raises(ValueError, match="sparse"):
            layers.CategoryEncoding(3, sparse=True)
        layer = layers.CategoryEncoding(3)
        with pytest.raises(ValueError, match=r"0 <= values < num_tokens \(3\); got values in "
                                             r"\[0, 3\]"):
            layer(np.array([[0, 3]]))
        with pytest.raises(ValueError, match=r"got values in \[-1, 1\]"):
            layer(np.array([[-1, 1]]))
        with pytest.raises(ValueError, match="non-integer"):
            layer(np.array([[0.5]], "float32"))
        with pytest.raises(ValueError, match="count_weights"):
            layer(np.array([[0]]), count_weights=np.array([[1.0]]))
        with pytest.raises(ValueError, match="output rank is at most 2"):
            layers.CategoryEncoding(3, output_mode="one_hot")(np.array([[0, 1]]))
        config = roundtrip(layers.CategoryEncoding(7, output_mode="count")).get_config()
        assert config["num_tokens"] == 7 and config["output_mode"] == "count"


# -- TextVectorization ----------------------------------------------------------------------------

class TestTextVectorization:
    def test_keras_documented_examples(self):
        vec = layers.TextVectorization(max_tokens=5000, output_mode="int",
                                       output_sequence_length=4)
        vec.adapt(["foo bar", "bar baz", "baz bada boom"])
        out = vec([["foo qux bar"], ["qux baz"]])
        assert out.dtype == ember.int64
        assert npy(out).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
        given = layers.TextVectorization(output_sequence_length=4,
                                         vocabulary=["earth", "wind", "and", "fire"])
        assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
        assert npy(given(["Wind, fire and EARTH! rain"])).tolist() == [[3, 5, 4, 2]]

    def test_vocabulary_order_and_max_tokens(self):
        texts = ["b a c a", "d c b a", "e"]  # a:3, b:2, c:2, d:1, e:1
        vec = layers.TextVectorization()
        vec.adapt(texts)
        # by count, ties broken by the token, highest first (Keras's lexsort order)
        assert vec.get_vocabulary() == ["", "[UNK]", "a", "c", "b", "e", "d"]
        assert vec.get_vocabulary(include_special_tokens=False) == ["a", "c", "b", "e", "d"]
        assert vec.vocabulary_size() == 7
        capped = layers.TextVectorization(max_tokens=4)
        capped.adapt(texts)
        assert capped.get_vocabulary() == ["", "[UNK]", "a", "c"]
        hot = layers.TextVectorization(max_tokens=4, output_mode="multi_hot")
        hot.adapt(texts)
        assert hot.get_vocabulary() == ["[UNK]", "a", "c", "b"]

    def test_standardize_split_and_ngrams(self):
        vec = layers.TextVectorization(vocabulary=["hello", "world", "it's"],
                                       standardize="lower")
        assert npy(vec(["Hello World it's"])).tolist() == [[2, 3, 4]]
        raw = layers.TextVectorization(standardize=None, vocabulary=["Hello,"])
        assert npy(raw(["Hello, hello"])).tolist() == [[2, 1]]
        chars = layers.TextVectorization(split="character")
        chars.adapt(["abba"])
        assert chars.get_vocabulary() == ["", "[UNK]", "b", "a"]
        bigrams = layers.TextVectorization(ngrams=2)
        bigrams.adapt(["a b c"])
        assert sorted(bigrams.get_vocabulary()[2:]) == ["a", "a b", "b", "b c", "c"]
        tokens = bigrams._tokenize("x y z")
        assert tokens == ["x", "y", "z", "x y", "y z"]  # unigrams, then bigrams
        only_bigrams = layers.TextVectorization(ngrams=(2,))
        assert only_bigrams._tokenize("x y z") == ["x y", "y z"]

    def test_int_padding_and_truncation(self):
        vec = layers.TextVectorization(vocabulary=["a", "b"])
        assert npy(vec(["a b a", "b", ""])).tolist() == [[2, 3, 2], [3, 0, 0], [0, 0, 0]]
        short = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
        assert npy(short(["a b a", "b"])).tolist() == [[2, 3], [3, 0]]
        assert npy(short("b a")).tolist() == [3, 2]  # one string: one sequence
        assert npy(short(np.array([["a"], ["b"]]))).tolist() == [[2, 0], [3, 0]]
        assert npy(short([b"a b"])).tolist() == [[2, 3]]

    def test_count_modes(self):
        docs = ["a a b", "b c", "c c c z"]
        multi = layers.TextVectorization(output_mode="multi_hot")
        multi.adapt(docs)
        vocab = multi.get_vocabulary()
        assert vocab == ["[UNK]", "c", "b", "a", "z"]
        assert npy(multi(["a a q", "c b"])).tolist() == [[1, 0, 0, 1, 0], [0, 1, 1, 0, 0]]
        count = layers.TextVectorization(output_mode="count", vocabulary=vocab)
        assert npy(count(["a a q q q", "c b"])).tolist() == [[3, 0, 0, 2, 0], [0, 1, 1, 0, 0]]
        padded = layers.TextVectorization(output_mode="count", max_tokens=8,
                                          pad_to_max_tokens=True, vocabulary=["a"])
        assert padded(["a"]).shape == (1, 8)

    def test_tf_idf(self):
        docs = ["a a b", "b c", "c c c z"]
        vec = layers.TextVectorization(output_mode="tf_idf")
        vec.adapt(docs)
        assert vec.get_vocabulary() == ["[UNK]", "c", "b", "a", "z"]
        df = np.array([2, 2, 1, 1])  # documents containing c, b, a, z
        idf = np.log(1 + 3 / (1 + df))
        out = npy(vec(["a a c q"]))
        expected = np.array([idf.mean(), idf[0], 0, 2 * idf[2], 0])  # OOV gets the mean idf
        np.testing.assert_allclose(out[0], expected, rtol=1e-6)
        assert out.dtype == np.float32
        clone = roundtrip(vec)
        np.testing.assert_allclose(npy(clone(["a a c q"])), out, rtol=1e-6)

    def test_adapt_sources_agree(self):
        docs = ["the cat sat", "the dog sat", "a cat"]
        from_list = layers.TextVectorization()
        from_list.adapt(docs)
        from_array = layers.TextVectorization()
        from_array.adapt(np.array(docs)[:, None])
        from_batches = layers.TextVectorization()
        from_batches.adapt(iter([docs[:2], docs[2:]]))
        limited = layers.TextVectorization()
        limited.adapt(iter([docs[:1], docs[1:]]), steps=1)
        assert from_list.get_vocabulary() == from_array.get_vocabulary()
        assert from_list.get_vocabulary() == from_batches.get_vocabulary()
        assert limited.get_vocabulary() == ["", "[UNK]", "the", "sat", "cat"]

    def test_config_roundtrip_keeps_the_vocabulary(self):
        vec = layers.TextVectorization(max_tokens=10, output_sequence_length=5, ngrams=2)
        vec.adapt(["one two three", "two three", "three"])
        clone = roundtrip(vec)
        assert clone.get_vocabulary() == vec.get_vocabulary()
        np.testing.assert_array_equal(npy(clone(["two three four"])),
                                      npy(vec(["two three four"])))
        clone.adapt(["new words"])  # an adapted (not given) vocabulary can be re-learned
        assert "new" in clone.get_vocabulary()
        fresh = roundtrip(layers.TextVectorization())
        assert fresh.get_vocabulary() == ["", "[UNK]"]

    def test_custom_functions_are_saved_by_name(self):
        def keep_vowels(text):
            return "".join(c for c in text if c in "aeiou ")

        vec = layers.TextVectorization(standardize=keep_vowels, split="whitespace")
        vec.adapt(["banana apple"])
        assert vec.get_vocabulary() == ["", "[UNK]", "ae", "aaa"]  # tie: "ae" > "aaa"
        config = vec.get_config()
        assert config["standardize"] == "keep_vowels"
        with pytest.raises(ValueError, match="custom_objects=.*'keep_vowels'"):
            layers.TextVectorization.from_config(config)
        clone = layers.TextVectorization.from_config(config,
                                                     custom_objects={"keep_vowels": keep_vowels})
        assert npy(clone(["banana"])).tolist() == [[3]]
        from ember.keras.saving import custom_object_scope

        with custom_object_scope({"keep_vowels": keep_vowels}):
            assert layers.TextVectorization.from_config(config).standardize is keep_vowels
        with pytest.raises(ValueError, match="named function"):
            layers.TextVectorization(standardize=lambda s: s).get_config()

    def test_errors(self):
        vec = layers.TextVectorization(vocabulary=["a"])
        with pytest.raises(ValueError, match=r"rank must be 1 or the last shape dimension must be "
                                             r"1.*\(2, 2\)"):
            vec(np.array([["a", "b"], ["c", "d"]]))
        with pytest.raises(ValueError, match="symbolic keras.Input"):
            vec(Input(shape=(1,)))
        with pytest.raises(TypeError, match="expects strings"):
            vec(ember.tensor([1, 2]))
        with pytest.raises(TypeError, match="expects strings, got int"):
            vec([1, 2])
        with pytest.raises(ValueError, match="Cannot adapt"):
            vec.adapt(["b"])
        with pytest.raises(ValueError, match=r"repeated term.*\['a'\]"):
            layers.TextVectorization(vocabulary=["a", "b", "a"])
        with pytest.raises(ValueError, match="reserved token '\\[UNK\\]'"):
            layers.TextVectorization(vocabulary=["a", "[UNK]"])
        with pytest.raises(ValueError, match="larger than the maximum vocab size"):
            layers.TextVectorization(max_tokens=3, vocabulary=["a", "b"])
        with pytest.raises(ValueError, match="output_sequence_length"):
            layers.TextVectorization(output_mode="count", output_sequence_length=3)
        with pytest.raises(ValueError, match="ngrams"):
            layers.TextVectorization(ngrams=0)
        with pytest.raises(ValueError, match="idf_weights"):
            layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"])
        with pytest.raises(ValueError, match="one_hot is not supported"):
            layers.TextVectorization(output_mode="one_hot")
        with pytest.raises(ValueError, match="max_tokens"):
            layers.TextVectorization(max_tokens=1)
        with pytest.raises(ValueError, match="pad_to_max_tokens"):
            layers.TextVectorization(pad_to_max_tokens=True)
        with pytest.raises(ValueError, match="standardize"):
            layers.TextVectorization(standardize="upper")

    def test_vocabulary_with_special_tokens_and_set_vocabulary(self):
        vec = layers.TextVectorization(vocabulary=["", "[UNK]", "x", "y"])
        assert vec.get_vocabulary() == ["", "[UNK]", "x", "y"]
        vec.set_vocabulary(["y", "x"])
        assert npy(vec(["x y"])).tolist() == [[3, 2]]
        tfidf = layers.TextVectorization(output_mode="tf_idf", vocabulary=["x", "y"],
                                         idf_weights=[1.0, 3.0])
        np.testing.assert_allclose(npy(tfidf(["x y y q"])), [[2.0, 1.0, 6.0]])
