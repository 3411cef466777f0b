"""One GAN training step (discriminator update, then generator update), per Keras backend.

The standard GAN objective V(D, G) = E[ln D(x)] + E[ln(1 - D(G(z)))] with the usual
non-saturating generator loss -E[ln D(G(z))]; both from logits (softplus form, float32).
By default the generator update draws its own batch from ``z_g``; with ``reuse_fake`` it
reuses the batch the discriminator update generated from ``z_d`` (one generator forward
pass per step instead of two, as PyTorch's DCGAN example does; the generator does most of
a step's FLOPs, so this saves about a fifth of them at the paper's size).
TensorFlow: ``tf.GradientTape`` in a ``tf.function``. JAX: ``stateless_call`` +
``jax.value_and_grad`` + ``optimizer.stateless_apply`` in one ``jax.jit`` with the state
donated; :meth:`GanStep.sync` writes the JAX state back into the Keras variables (before a
checkpoint or a save). Other backends are refused.
"""

from __future__ import annotations

from typing import Any

from thermoquake.ml_extra import require_ml

require_ml("the GAN")

import keras  # noqa: E402
import numpy as np
from keras import ops


def discriminator_loss(real_logits, fake_logits):
    """-E[ln D(x)] - E[ln(1 - D(G(z)))] from logits (scalar)."""
    real_logits = ops.cast(real_logits, "float32")
    fake_logits = ops.cast(fake_logits, "float32")
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def generator_loss(fake_logits):
    """Non-saturating -E[ln D(G(z))] from logits (scalar)."""
    return ops.mean(ops.softplus(-ops.cast(fake_logits, "float32")))


class GanStep:
    """Callable ``step(real, z_d, z_g) -> (d_loss, g_loss)`` (Python floats).

    ``real``: ``(batch, S, S, 2)`` float32 encoded images; ``z_d``, ``z_g``: ``(batch, latent)``
    float32 noise for the discriminator and the generator update (``reuse_fake``: ``z_g`` is
    not used; the generator update back-propagates through the batch made from ``z_d``).
    Builds both optimizers.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 g_optimizer: keras.optimizers.Optimizer, d_optimizer: keras.optimizers.Optimizer,
                 jit_compile: bool = False, reuse_fake: bool = False) -> None:
        self.g, self.d = generator, discriminator
        self.reuse_fake = bool(reuse_fake)
        self.g_opt, self.d_opt = g_optimizer, d_optimizer
        for opt, model in ((self.g_opt, self.g), (self.d_opt, self.d)):
            if not opt.built:
                opt.build(model.trainable_variables)
        self.backend = keras.backend.backend()
        if self.backend == "tensorflow":
            self._fn = self._tf_function(jit_compile)
        elif self.backend == "jax":
            self._fn = self._jax_function()
            self.state = self._read_state()
        else:
            raise RuntimeError(f"the GAN trains with KERAS_BACKEND=tensorflow or jax, not {self.backend}")

    # --- TensorFlow ---------------------------------------------------------------------------
    def _tf_function(self, jit_compile: bool):
        import tensorflow as tf

        g, d, g_opt, d_opt = self.g, self.d, self.g_opt, self.d_opt

        def step(real, z_d, z_g):
            with tf.GradientTape() as tape:
                fake = g(z_d, training=True)
                d_l = discriminator_loss(d(real, training=True), d(fake, training=True))
            d_opt.apply_gradients(zip(tape.gradient(d_l, d.trainable_variables), d.trainable_variables))
            with tf.GradientTape() as tape:
                g_l = generator_loss(d(g(z_g, training=True), training=True))
            g_opt.apply_gradients(zip(tape.gradient(g_l, g.trainable_variables), g.trainable_variables))
            return d_l, g_l

        def step_reusing_fake(real, z_d, z_g):
            with tf.GradientTape() as g_tape:
                fake = g(z_d, training=True)
                with g_tape.stop_recording(), tf.GradientTape() as d_tape:
                    d_l = discriminator_loss(d(real, training=True), d(tf.stop_gradient(fake), training=True))
                with g_tape.stop_recording():
                    d_opt.apply_gradients(zip(d_tape.gradient(d_l, d.trainable_variables), d.trainable_variables))
                g_l = generator_loss(d(fake, training=True))          # through the updated D
            g_opt.apply_gradients(zip(g_tape.gradient(g_l, g.trainable_variables), g.trainable_variables))
            return d_l, g_l

        return tf.function(step_reusing_fake if self.reuse_fake else step, jit_compile=jit_compile,
                           reduce_retracing=True)

    # --- JAX ----------------------------------------------------------------------------------
    def _read_state(self) -> tuple[Any, ...]:
        return (
            [v.value for v in self.g.trainable_variables], [v.value for v in self.g.non_trainable_variables],
            [v.value for v in self.d.trainable_variables], [v.value for v in self.d.non_trainable_variables],
            [v.value for v in self.g_opt.variables], [v.value for v in self.d_opt.variables],
        )

    def pure_step(self):
        """The JAX step as a pure function ``(state, real, z_d, z_g) -> (state, (d_loss, g_loss))``
        (``reuse_fake``: one generator forward pass, kept by ``jax.vjp`` for its update)."""
        import jax

        g, d, g_opt, d_opt = self.g, self.d, self.g_opt, self.d_opt

        def d_objective(d_tv, d_ntv, g_tv, g_ntv, real, z):
            fake, g_ntv = g.stateless_call(g_tv, g_ntv, z, training=True)
            real_logits, d_ntv = d.stateless_call(d_tv, d_ntv, real, training=True)
            fake_logits, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            return discriminator_loss(real_logits, fake_logits), (d_ntv, g_ntv)

        def g_objective(g_tv, g_ntv, d_tv, d_ntv, z):
            fake, g_ntv = g.stateless_call(g_tv, g_ntv, z, training=True)
            fake_logits, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            return generator_loss(fake_logits), (g_ntv, d_ntv)

        def step(state, real, z_d, z_g):
            g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
            (d_l, (d_ntv, g_ntv)), d_grads = jax.value_and_grad(d_objective, has_aux=True)(
                d_tv, d_ntv, g_tv, g_ntv, real, z_d)
            d_tv, d_ov = d_opt.stateless_apply(d_ov, d_grads, d_tv)
            (g_l, (g_ntv, d_ntv)), g_grads = jax.value_and_grad(g_objective, has_aux=True)(
                g_tv, g_ntv, d_tv, d_ntv, z_g)
            g_tv, g_ov = g_opt.stateless_apply(g_ov, g_grads, g_tv)
            return (g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov), (d_l, g_l)

        def d_objective_on(d_tv, d_ntv, real, fake):
            real_logits, d_ntv = d.stateless_call(d_tv, d_ntv, real, training=True)
            fake_logits, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            return discriminator_loss(real_logits, fake_logits), d_ntv

        def step_reusing_fake(state, real, z_d, z_g):
            g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
            fake, pull_back, g_ntv = jax.vjp(lambda tv: g.stateless_call(tv, g_ntv, z_d, training=True),
                                             g_tv, has_aux=True)
            (d_l, d_ntv), d_grads = jax.value_and_grad(d_objective_on, has_aux=True)(
                d_tv, d_ntv, real, jax.lax.stop_gradient(fake))
            d_tv, d_ov = d_opt.stateless_apply(d_ov, d_grads, d_tv)

            def g_objective_on(fake):                                  # through the updated D
                fake_logits, new_d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
                return generator_loss(fake_logits), new_d_ntv

            (g_l, d_ntv), fake_grad = jax.value_and_grad(g_objective_on, has_aux=True)(fake)
            (g_grads,) = pull_back(fake_grad)
            g_tv, g_ov = g_opt.stateless_apply(g_ov, g_grads, g_tv)
            return (g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov), (d_l, g_l)

        return step_reusing_fake if self.reuse_fake else step

    def _jax_function(self):
        import jax

        return jax.jit(self.pure_step(), donate_argnums=(0,))

    def sync(self) -> None:
        """Write the JAX state back into the Keras variables (no-op on TensorFlow)."""
        if self.backend != "jax":
            return
        groups = (self.g.trainable_variables, self.g.non_trainable_variables, self.d.trainable_variables,
                  self.d.non_trainable_variables, self.g_opt.variables, self.d_opt.variables)
        for variables, values in zip(groups, self.state):
            for var, value in zip(variables, values):
                var.assign(value)

    def run(self, real: np.ndarray, z_d: np.ndarray, z_g: np.ndarray):
        """One step; returns the two losses as backend scalars (no host sync on JAX)."""
        if self.backend == "jax":
            self.state, losses = self._fn(self.state, real, z_d, z_g)
            return losses
        return self._fn(real, z_d, z_g)

    def __call__(self, real: np.ndarray, z_d: np.ndarray, z_g: np.ndarray) -> tuple[float, float]:
        d_l, g_l = self.run(real, z_d, z_g)
        return float(ops.convert_to_numpy(d_l)), float(ops.convert_to_numpy(g_l))
