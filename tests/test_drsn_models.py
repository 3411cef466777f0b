"""DRSN / ResNet / CNN classifiers: the soft threshold and its gradients, shapes, parameter
differences, learned thresholds within [0, mean|x|], .keras round trips and a few fit() steps."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from thermoquake.classifiers import (  # noqa: E402
    MODEL_KINDS,
    LearnedThreshold,
    SoftThreshold,
    build_classifier,
    build_cnn,
    build_drsn,
    build_resnet,
    soft_threshold,
)
from thermoquake.errors import ThermoquakeError  # noqa: E402

pytestmark = pytest.mark.ml

WIDTH = 0.25          # 4, 8, 16 channels: CPU-sized


def _formula(x, tau):
    return np.sign(x) * np.maximum(np.abs(x) - tau, 0.0)


def _away_from_kinks(rng, shape, tau, margin=0.05):
    """Values whose |x| is at least ``margin`` away from tau and from 0."""
    x = rng.uniform(-3, 3, shape)
    bad = (np.abs(np.abs(x) - tau) < margin) | (np.abs(x) < margin)
    x[bad] += 4 * margin * np.sign(x[bad] + 1e-9)
    assert not ((np.abs(np.abs(x) - tau) < margin) | (np.abs(x) < margin)).any()
    return x


def test_soft_threshold_matches_its_formula_with_broadcasting():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, (3, 5, 4, 6)).astype("float32")
    tau = rng.uniform(0, 1.5, (3, 1, 1, 6)).astype("float32")
    got = keras.ops.convert_to_numpy(soft_threshold(x, tau))
    np.testing.assert_allclose(got, _formula(x, tau), rtol=0, atol=1e-6)
    inside = np.abs(x) <= tau
    assert inside.any() and (~inside).any()
    assert (got[inside] == 0).all()
    assert (np.abs(got) <= np.abs(x)).all()
    assert float(keras.ops.convert_to_numpy(soft_threshold(np.float32(-2.5), np.float32(1.0)))) == -1.5


def test_soft_threshold_numerical_gradients():
    rng = np.random.default_rng(1)
    tau = rng.uniform(0.2, 1.2, (1, 8)).astype("float32")
    x = _away_from_kinks(rng, (40, 8), tau).astype("float32")
    f = lambda a, t: keras.ops.convert_to_numpy(soft_threshold(a, t)).astype("float64")  # noqa: E731
    eps = np.float32(1e-2)          # < the 0.05 margin from the kinks; float32 on every backend
    d_x = (f(x + eps, tau) - f(x - eps, tau)) / (2 * eps)
    d_tau = (f(x, tau + eps) - f(x, tau - eps)) / (2 * eps)
    outside = np.abs(x) > tau
    np.testing.assert_allclose(d_x, np.where(outside, 1.0, 0.0), atol=1e-3)
    np.testing.assert_allclose(d_tau, np.where(outside, -np.sign(x), 0.0), atol=1e-3)


def _autodiff(x, tau):
    """d(sum soft_threshold)/dx and /dtau elementwise, by the active backend's autodiff."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        xv, tv = tf.Variable(x), tf.Variable(tau)
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(soft_threshold(xv, tv))
        gx, gt = tape.gradient(y, [xv, tv])
        return gx.numpy(), gt.numpy()
    if backend == "jax":
        import jax
        gx, gt = jax.grad(lambda a, t: soft_threshold(a, t).sum(), argnums=(0, 1))(x, tau)
        return np.asarray(gx), np.asarray(gt)
    pytest.skip(f"no autodiff helper for backend {backend}")


def test_soft_threshold_autodiff_gradients():
    rng = np.random.default_rng(2)
    tau = np.full((30,), 0.7, dtype="float32")          # one threshold per element
    x = _away_from_kinks(rng, (30,), tau).astype("float32")
    gx, gt = _autodiff(x, tau)
    outside = np.abs(x) > tau
    assert outside.any() and (~outside).any()
    np.testing.assert_array_equal(gx, np.where(outside, 1.0, 0.0))
    np.testing.assert_array_equal(gt, np.where(outside, -np.sign(x), 0.0))


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_models_map_images_of_any_size_to_one_probability(kind):
    rng = np.random.default_rng(3)
    for shape in [(16, 16, 2), (32, 48, 3)]:
        model = build_classifier(kind, shape, width=WIDTH, seed=0)
        assert model.name == kind
        assert model.input_shape == (None, *shape) and model.output_shape == (None, 1)
        p = keras.ops.convert_to_numpy(model(rng.normal(size=(2, *shape)).astype("float32")))
        assert p.shape == (2, 1) and ((p > 0) & (p < 1)).all()


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ThermoquakeError, match="at least 16x16"):
        build_drsn((15, 32, 2))
    with pytest.raises(ThermoquakeError, match="not one of drsn, resnet, cnn"):
        build_classifier("vgg", (32, 32, 2))
    with pytest.raises(ThermoquakeError, match="width"):
        build_cnn((32, 32, 2), width=0)


def _expected_drsn_extra(model, reduction=4):
    """Parameters the attention and threshold sub-networks add, from their channel counts."""
    extra = 0
    for layer in model.layers:
        if isinstance(layer, LearnedThreshold):
            c = int(layer.input.shape[-1])
            h = max(1, c // reduction)
            se = (c * h + h) + (h * c + c)                       # reduce + excite dense
            thr = (c * h + h) + 4 * h + (h * c + c)              # dense, BN (4 per unit), dense
            extra += se + thr
    return extra


def test_projection_shortcuts_pool_then_convolve():
    resnet = build_resnet((32, 32, 2), width=WIDTH)
    pools = [l for l in resnet.layers if isinstance(l, keras.layers.AveragePooling2D)]
    assert [l.name for l in pools] == [f"stage{s}_unit1_pool" for s in (1, 2, 3)]
    assert all(l.strides == (1, 1) for l in resnet.layers if l.name.endswith("_projection"))


def test_parameter_counts_differ_as_the_architectures_say():
    shape = (32, 32, 2)
    drsn, resnet, cnn = (b(shape, width=0.5, seed=0) for b in (build_drsn, build_resnet, build_cnn))
    extra = _expected_drsn_extra(drsn)
    assert extra > 0
    assert drsn.count_params() - resnet.count_params() == extra
    # ResNet and CNN share every 3x3 kernel; only the residual nets have shortcuts and adds.
    kernels = lambda m: [tuple(l.kernel.shape) for l in m.layers  # noqa: E731
                         if isinstance(l, keras.layers.Conv2D) and l.kernel.shape[0] == 3]
    assert kernels(resnet) == kernels(cnn)
    assert not any(isinstance(l, keras.layers.Add) for l in cnn.layers)
    assert sum(isinstance(l, keras.layers.Add) for l in resnet.layers) == 3
    assert not any(isinstance(l, (LearnedThreshold, SoftThreshold)) for l in resnet.layers)
    projections = [l for l in resnet.layers if l.name.endswith("_projection")]
    assert len(projections) == 3 and resnet.count_params() > cnn.count_params()
    # width scales the channels
    assert build_drsn(shape, width=0.25).count_params() < drsn.count_params()


def test_learned_thresholds_lie_between_zero_and_mean_abs():
    model = build_drsn((32, 32, 2), width=0.5, seed=4)
    thresholds = [l for l in model.layers if isinstance(l, LearnedThreshold)]
    shrinks = [l for l in model.layers if isinstance(l, SoftThreshold)]
    assert len(thresholds) == len(shrinks) == 3
    probe = keras.Model(model.input, [t for l in thresholds for t in (l.input, l.output)]
                        + [s.output for s in shrinks])
    x = np.random.default_rng(5).normal(size=(4, 32, 32, 2)).astype("float32")
    out = [keras.ops.convert_to_numpy(o) for o in probe(x)]
    maps, taus, shrunk = out[0:6:2], out[1:6:2], out[6:]
    for feat, tau, y in zip(maps, taus, shrunk):
        mean_abs = np.abs(feat).mean(axis=(1, 2), keepdims=True)
        assert tau.shape == (4, 1, 1, feat.shape[-1])
        assert (tau >= 0).all() and (tau <= mean_abs * (1 + 1e-6)).all()
        assert (tau > 0).any() and (tau < mean_abs).any()
        np.testing.assert_allclose(y, _formula(feat, tau), atol=1e-6)


def test_same_seed_same_model_other_seed_other_model():
    x = np.random.default_rng(6).normal(size=(2, 16, 16, 2)).astype("float32")
    p = lambda s: keras.ops.convert_to_numpy(build_drsn((16, 16, 2), width=WIDTH, seed=s)(x))  # noqa: E731
    np.testing.assert_array_equal(p(7), p(7))
    assert not np.array_equal(p(7), p(8))


@pytest.mark.slow
@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_keras_round_trip_in_safe_mode_gives_identical_predictions(kind, tmp_path):
    model = build_classifier(kind, (24, 24, 3), width=WIDTH, seed=9)
    x = np.random.default_rng(10).normal(size=(5, 24, 24, 3)).astype("float32")
    if kind == "drsn":      # moves the BN statistics, those inside LearnedThreshold too
        model.compile(optimizer="adam", loss="binary_crossentropy")
        # one batch of 5: an odd batch crashed TF's oneDNN gradient of strided 1x1 convolutions
        model.fit(x, np.array([0, 1, 0, 1, 1], "float32"), epochs=1, verbose=0)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]
    predict = lambda m: keras.ops.convert_to_numpy(m(x, training=False))  # noqa: E731
    np.testing.assert_array_equal(predict(loaded), predict(model))


def _toy_set(n=32, size=16, seed=11):
    """Separable toy images: positives carry a +2 warm square at the centre of channel 0."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.5, (n, size, size, 2)).astype("float32")
    x[..., 1] = 1.0                                  # all clear
    y = np.tile([0.0, 1.0], n // 2).astype("float32")
    c = size // 2
    x[y == 1, c - 3:c + 3, c - 3:c + 3, 0] += 2.0
    return x, y


@pytest.mark.slow
@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_a_few_fit_steps_reduce_the_loss(kind):
    x, y = _toy_set()
    keras.utils.set_random_seed(12)                  # the batch order too, so the test is repeatable
    model = build_classifier(kind, x.shape[1:], width=WIDTH, dropout=0.0, seed=12)
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=6, shuffle=True, verbose=0).history["loss"]
    assert history[-1] < 0.8 * history[0], history
