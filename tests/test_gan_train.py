"""Training moves both losses, save -> load -> generate, resume from a checkpoint."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from thermoquake.errors import ThermoquakeError

pytestmark = [pytest.mark.ml, pytest.mark.slow]

SIZE = 64
KW = dict(width=0.0625, batch_size=4, seed=3, latent_dim=16)


def tiny_images(n: int = 6, seed: int = 0) -> np.ndarray:
    """SYNTHETIC site: a smooth terrain pattern (deg C), day-to-day offsets, a cloud per image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE] / SIZE
    terrain = 8.0 * np.sin(3 * xx) * np.cos(2 * yy) - 5.0
    images = terrain + rng.normal(0, 1.0, (n, 1, 1)) + rng.normal(0, 0.3, (n, SIZE, SIZE))
    for i in range(n):
        r, c = rng.integers(0, SIZE - 16, 2)
        images[i, r:r + 16, c:c + 16] = np.nan
    return images.astype(np.float32)


def _losses(model_dir):
    with open(model_dir / "losses.csv") as fh:
        return [(int(r["step"]), float(r["d_loss"]), float(r["g_loss"])) for r in csv.DictReader(fh)]


def _weights(path):
    import keras

    return keras.saving.load_model(path, safe_mode=True, compile=False).get_weights()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One 8-step run, checkpoints every 4 steps."""
    from thermoquake.gan import train_gan

    model_dir = tmp_path_factory.mktemp("gan") / "model"
    train_gan(tiny_images(), model_dir, steps=8, checkpoint_every=4, synthetic=True, **KW)
    return model_dir


def test_a_few_steps_move_both_losses_and_keep_them_finite(trained):
    rows = _losses(trained)
    assert [r[0] for r in rows] == list(range(1, 9))
    d, g = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    assert np.isfinite(d).all() and np.isfinite(g).all()
    assert np.ptp(d) > 1e-3 and np.ptp(g) > 1e-3
    assert abs(d[-1] - d[0]) > 1e-3 and abs(g[-1] - g[0]) > 1e-3
    # both networks changed from their initialisation (seeded: rebuild it)
    import keras

    from thermoquake.gan import build_discriminator, build_generator

    keras.utils.set_random_seed(KW["seed"])
    g0 = build_generator(KW["width"], KW["latent_dim"], SIZE).get_weights()
    d0 = build_discriminator(KW["width"], True, SIZE).get_weights()
    g1, d1 = _weights(trained / "generator.keras"), _weights(trained / "discriminator.keras")
    assert any(not np.array_equal(a, b) for a, b in zip(g0, g1))
    assert any(not np.array_equal(a, b) for a, b in zip(d0, d1))


def test_model_directory_records_logs_samples_and_checkpoints(trained):
    info = json.loads((trained / "training.json").read_text())
    assert info["complete"] and info["steps_done"] == 8 and info["synthetic"] is True
    assert json.loads((trained / "normalisation.json").read_text())["units"] == "degC"
    assert sorted(p.name for p in (trained / "samples").iterdir()) == ["step-00000004.png", "step-00000008.png"]
    assert json.loads((trained / "checkpoints" / "latest.json").read_text())["step"] == 8
    assert any(p.name.startswith("events.out.tfevents") for p in (trained / "tensorboard").iterdir())


def test_save_load_generate_is_reproducible_and_in_celsius(trained):
    from thermoquake.gan import generate
    from thermoquake.gan.generation import generate_with
    from thermoquake.gan.normalise import load_normalisation

    a = generate(trained, 5, seed=11)
    b = generate(trained, 5, seed=11)
    c = generate(trained, 5, seed=12)
    assert a.shape == (5, SIZE, SIZE) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(np.nan_to_num(a), np.nan_to_num(c))
    # the saved generator equals the one in the last checkpoint
    import keras

    ckpt = keras.saving.load_model(trained / "checkpoints" / "step-00000008" / "generator.keras", safe_mode=True)
    np.testing.assert_array_equal(generate_with(ckpt, load_normalisation(trained), 5, seed=11), a)
    # deg C: valid values sit on the training set's scale, not on -1..1
    norm = load_normalisation(trained)
    valid = a[np.isfinite(a)]
    assert valid.size > 0
    assert norm.lo_c - 3 * (norm.hi_c - norm.lo_c) < valid.mean() < norm.hi_c + 3 * (norm.hi_c - norm.lo_c)
    assert np.abs(valid).max() > 1.5


def test_resumed_run_continues_from_the_same_step_and_state(trained, tmp_path):
    """Stop after the step-4 checkpoint, run again to 8 steps: same losses and weights as the
    uninterrupted run."""
    from thermoquake.gan import train_gan

    part = tmp_path / "part"
    train_gan(tiny_images(), part, steps=4, checkpoint_every=4, synthetic=True, **KW)
    assert len(_losses(part)) == 4
    (part / "checkpoints" / ".step-00000005.tmp-dead").mkdir()          # what a killed save leaves
    train_gan(tiny_images(), part, steps=8, checkpoint_every=4, synthetic=True, **KW)
    assert not (part / "checkpoints" / ".step-00000005.tmp-dead").exists()
    assert _losses(part) == _losses(trained)
    for a, b in zip(_weights(part / "generator.keras"), _weights(trained / "generator.keras")):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_weights(part / "discriminator.keras"), _weights(trained / "discriminator.keras")):
        np.testing.assert_array_equal(a, b)


def test_other_parameters_or_data_in_the_same_model_directory_are_refused(trained):
    from thermoquake.gan import train_gan

    with pytest.raises(ThermoquakeError, match="width was 0.0625, now 0.125"):
        train_gan(tiny_images(), trained, steps=8, checkpoint_every=4, **(KW | {"width": 0.125}))
    with pytest.raises(ThermoquakeError, match="data_sha256"):
        train_gan(tiny_images(seed=9), trained, steps=8, checkpoint_every=4, **KW)


def test_a_model_directory_from_before_the_base_option_resumes_as_whole_field_scaling(tmp_path):
    from thermoquake.gan import train_gan
    from thermoquake.gan.normalise import load_normalisation

    old = tmp_path / "old"
    train_gan(tiny_images(), old, steps=2, checkpoint_every=2, base="none", **KW)
    record = json.loads((old / "training.json").read_text())
    del record["parameters"]["base"]                          # as written before the option existed
    (old / "training.json").write_text(json.dumps(record))
    train_gan(tiny_images(), old, steps=4, checkpoint_every=2, base="none", **KW)     # resumes
    assert json.loads((old / "training.json").read_text())["steps_done"] == 4
    assert load_normalisation(old).base == "none"
    with pytest.raises(ThermoquakeError, match="base was 'none', now 'mean'"):
        train_gan(tiny_images(), old, steps=4, checkpoint_every=2, **KW)


def test_the_default_model_learns_departures_from_the_mean_field(trained):
    from thermoquake.gan.normalise import load_normalisation

    norm = load_normalisation(trained)
    assert norm.base == "mean"
    np.testing.assert_allclose(norm.base_c[0], np.nanmean(tiny_images(), axis=0), atol=1e-4)


def test_a_model_of_two_sites_adds_back_the_terrain_of_the_site_asked_for(tmp_path):
    """SYNTHETIC: site B is site A 25 K colder; each generated image gets its own site's field."""
    from thermoquake.gan import generate, train_gan
    from thermoquake.gan.normalise import load_normalisation, mean_field

    a, b = tiny_images(4, seed=1), tiny_images(4, seed=2) - 25.0
    sites = ["31.00000,103.40000"] * 4 + ["-33.50000,-70.20000"] * 4
    model = tmp_path / "m"
    train_gan(np.concatenate([a, b]), model, steps=2, checkpoint_every=2, sites=sites, **KW)
    assert load_normalisation(model).sites == ("31.00000,103.40000", "-33.50000,-70.20000")
    at_a, at_b = generate(model, 2, seed=5, site=sites[0]), generate(model, 2, seed=5, site=sites[-1])
    both = np.isfinite(at_a) & np.isfinite(at_b)
    field_gap = mean_field(a) - mean_field(b)                    # about 25 K, clouds aside
    np.testing.assert_allclose((at_a - at_b)[both], np.broadcast_to(field_gap, at_a.shape)[both], atol=1e-3)
    assert abs(np.median(field_gap) - 25.0) < 1.0
    mixed = generate(model, 2, seed=5, site=[sites[0], sites[-1]])        # one site per image
    np.testing.assert_array_equal(mixed[0], at_a[0])
    np.testing.assert_array_equal(mixed[1], at_b[1])
    with pytest.raises(ThermoquakeError, match="not of site 0.00000,0.00000"):
        generate(model, 1, site="0.00000,0.00000")
    with pytest.raises(ThermoquakeError, match="not of site 0.00000,0.00000"):
        generate(model, 2, site=[sites[0], "0.00000,0.00000"])
    with pytest.raises(ThermoquakeError, match="3 image.*2 site name"):
        generate(model, 3, site=sites[:2])
    with pytest.raises(ThermoquakeError, match="sites was"):
        train_gan(np.concatenate([a, b]), model, steps=2, checkpoint_every=2, **KW)


def test_bad_training_arrays_are_one_line_errors(tmp_path):
    from thermoquake.gan import train_gan

    with pytest.raises(ThermoquakeError, match=r"\(n, S, S\)"):
        train_gan(np.zeros((4, 64, 32), np.float32), tmp_path / "m", steps=1, **KW)
    with pytest.raises(ThermoquakeError, match="no valid pixel"):
        train_gan(np.full((2, 64, 64), np.nan, np.float32), tmp_path / "m", steps=1, **KW)


def _passes_on_jax(code: str) -> None:
    """Run `code` in a fresh interpreter with the JAX backend (on the CPU) from the
    repository root; it must exit 0 and print "ok" last."""
    env = os.environ | {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")


def test_jax_backend_trains_and_generates(tmp_path):
    pytest.importorskip("jax")
    code = textwrap.dedent(f"""
        import numpy as np, keras
        from pathlib import Path
        from tests.test_gan_train import tiny_images, KW
        from thermoquake.gan import train_gan, generate
        assert keras.backend.backend() == "jax"
        d = train_gan(tiny_images(), Path({str(tmp_path / 'jax')!r}), steps=2, checkpoint_every=2, **KW)
        out = generate(d, 2, seed=1)
        again = generate(d, 2, seed=1)
        assert out.shape == (2, 64, 64) and np.array_equal(out, again, equal_nan=True)
        print("ok")
    """)
    _passes_on_jax(code)


def _one_step_each_way() -> tuple[list[np.ndarray], list[np.ndarray], tuple, tuple]:
    """Trainable weights and losses after one step with a fresh generated batch for the
    generator update and one reusing the discriminator update's, from the same start and
    with z_g = z_d (so both updates see the same images)."""
    import keras

    from thermoquake.gan import build_discriminator, build_generator
    from thermoquake.gan.steps import GanStep

    real = np.random.default_rng(0).uniform(-1, 1, (4, SIZE, SIZE, 2)).astype(np.float32)
    z = np.random.default_rng(1).standard_normal((4, KW["latent_dim"])).astype(np.float32)
    weights, losses = [], []
    for reuse in (False, True):
        keras.utils.set_random_seed(KW["seed"])
        g, d = build_generator(KW["width"], KW["latent_dim"], SIZE), build_discriminator(KW["width"], True, SIZE)
        step = GanStep(g, d, keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                       reuse_fake=reuse)
        losses.append(step(real, z, z))
        step.sync()
        weights.append([np.asarray(v.value) for v in (*g.trainable_variables, *d.trainable_variables)])
    return weights[0], weights[1], losses[0], losses[1]


def test_reusing_the_generated_batch_is_the_same_update_when_the_noise_is_the_same():
    fresh, reused, fresh_losses, reused_losses = _one_step_each_way()
    np.testing.assert_allclose(reused_losses, fresh_losses, rtol=1e-5)
    assert len(fresh) == len(reused)
    for a, b in zip(fresh, reused):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_reusing_the_generated_batch_matches_on_jax_too():
    pytest.importorskip("jax")
    code = textwrap.dedent("""
        import numpy as np, keras
        from tests.test_gan_train import _one_step_each_way
        assert keras.backend.backend() == "jax"
        fresh, reused, fl, rl = _one_step_each_way()
        np.testing.assert_allclose(rl, fl, rtol=1e-5)
        for a, b in zip(fresh, reused):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
        print("ok")
    """)
    _passes_on_jax(code)


def test_a_reuse_fake_run_is_recorded_and_not_resumed_as_the_other(tmp_path):
    from thermoquake.gan import train_gan

    model = tmp_path / "m"
    train_gan(tiny_images(), model, steps=2, checkpoint_every=2, reuse_fake=True, **KW)
    assert json.loads((model / "training.json").read_text())["parameters"]["reuse_fake"] is True
    with pytest.raises(ThermoquakeError, match="reuse_fake was True, now False"):
        train_gan(tiny_images(), model, steps=3, checkpoint_every=2, **KW)
