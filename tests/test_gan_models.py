"""Generator / discriminator architecture, the validity channel and normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.gan.normalise import fit_normalisation

pytestmark = pytest.mark.ml


def _layers(model, prefix):
    return [layer for layer in model.layers if layer.name.startswith(prefix) and not layer.name.endswith("_bn")]


def test_paper_generator_projects_to_8x8x1024_and_upsamples_with_5x5_halving_kernels():
    from thermoquake.gan import build_generator

    g = build_generator(width=1.0, latent_dim=100)
    assert g.input_shape == (None, 100)
    assert g.get_layer("project_bn").output.shape[1:] == (8, 8, 1024)
    deconvs = _layers(g, "deconv")
    assert len(deconvs) == 5
    assert [layer.output.shape[1:] for layer in deconvs] == [
        (16, 16, 512), (32, 32, 256), (64, 64, 128), (128, 128, 64), (256, 256, 2)]
    assert all(layer.kernel_size == (5, 5) and layer.strides == (2, 2) for layer in deconvs)
    assert g.output_shape == (None, 256, 256, 2)


def test_paper_discriminator_five_5x5_stride2_convs_and_448_map_fusion():
    from thermoquake.gan import build_discriminator

    d = build_discriminator(width=1.0, fusion=True)
    convs = _layers(d, "conv")
    assert [layer.output.shape[1:] for layer in convs] == [
        (128, 128, 16), (64, 64, 32), (32, 32, 64), (16, 16, 128), (8, 8, 256)]
    assert all(layer.kernel_size == (5, 5) and layer.strides == (2, 2) for layer in convs)
    assert d.get_layer("fusion").output.shape[1:] == (8, 8, 64 + 128 + 256)
    assert d.output_shape == (None, 1)


def test_plain_dcgan_has_no_fusion_and_reads_only_the_last_map():
    from thermoquake.gan import build_discriminator

    d = build_discriminator(width=1.0, fusion=False)
    assert "fusion" not in [layer.name for layer in d.layers]
    assert d.get_layer("logits").input.shape[-1] == 8 * 8 * 256
    fused = build_discriminator(width=1.0, fusion=True)
    assert fused.get_layer("logits").input.shape[-1] == 8 * 8 * 448


@pytest.mark.parametrize("width,size", [(0.25, 64), (0.125, 128)])
def test_small_width_scales_every_channel_count(width, size):
    from thermoquake.gan import build_discriminator, build_generator

    g = build_generator(width=width, latent_dim=16, image_size=size)
    d = build_discriminator(width=width, fusion=True, image_size=size)
    assert g.output_shape == (None, size, size, 2)
    assert g.get_layer("project_bn").output.shape[1:] == (8, 8, int(1024 * width))
    hidden = [layer.output.shape[-1] for layer in _layers(g, "deconv")][:-1]
    assert hidden == [int((1024 >> i) * width) for i in range(1, len(hidden) + 1)]
    convs = _layers(d, "conv")
    assert [layer.output.shape[-1] for layer in convs] == [int(c * width) for c in (16, 32, 64, 128, 256)]
    assert [layer.output.shape[1] for layer in convs[-3:]] == [32, 16, 8]
    assert all(layer.kernel_size == (5, 5) for layer in convs)
    assert d.get_layer("fusion").output.shape[1:] == (8, 8, int((64 + 128 + 256) * width))


def test_image_size_must_be_8_times_a_power_of_two():
    from thermoquake.gan import build_generator

    with pytest.raises(ValueError, match="image_size"):
        build_generator(width=0.1, image_size=100)


def test_discriminator_never_sees_temperatures_under_no_data():
    """Changing the temperature channel where validity is -1 changes nothing, elsewhere it does."""
    from keras import ops

    from thermoquake.gan import build_discriminator

    d = build_discriminator(width=0.125, image_size=64)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 64, 64, 2)).astype(np.float32)
    x[..., 1] = np.where(rng.random((2, 64, 64)) < 0.4, -1.0, 1.0)
    hidden = x.copy()
    hidden[..., 0] = np.where(x[..., 1] < 0, -1.0, x[..., 0])          # "cold" under the clouds
    visible = x.copy()
    visible[..., 0] = np.where(x[..., 1] > 0, -1.0, x[..., 0])
    base = ops.convert_to_numpy(d(x))
    np.testing.assert_array_equal(ops.convert_to_numpy(d(hidden)), base)
    assert np.abs(ops.convert_to_numpy(d(visible)) - base).max() > 1e-4


def test_normalisation_keeps_masked_pixels_out_of_the_temperature_channel():
    rng = np.random.default_rng(1)
    images = rng.normal(-5.0, 4.0, (3, 16, 16)).astype(np.float32)
    images[:, :4] = np.nan
    norm = fit_normalisation(images)
    enc = norm.encode(images)
    assert enc.shape == (3, 16, 16, 2)
    assert np.all(enc[:, :4, :, 0] == 0.0) and np.all(enc[:, :4, :, 1] == -1.0)
    assert np.all(enc[:, 4:, :, 1] == 1.0)
    valid = enc[:, 4:, :, 0]
    assert np.mean(np.abs(valid) <= 0.9) == pytest.approx(0.98, abs=0.01)   # 1st..99th percentile
    back = norm.decode(enc)
    assert np.isnan(back[:, :4]).all()
    np.testing.assert_allclose(back[:, 4:], images[:, 4:], atol=1e-4)
