"""GAN augmentation on a preprocess workdir's files: train the (improved) DCGAN on its target
images, and generate gated GeoTIFFs that imitate one real image. The ``augment train`` and
``augment generate`` commands call these; Keras is imported only when a model is trained or
generates."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BASE_OF_GAN_BASE", "default_model_dir", "generate_like", "train_gan_on_workdir"]

PathLike = str | os.PathLike[str]

BASE_OF_GAN_BASE = {"none": "none", "site": "mean"}
"""``gan_base`` (as the classifier's ``TrainConfig.gan_base``) -> the GAN's own ``base``
(:data:`thermoquake.gan.normalise.BASES`)."""


def default_model_dir(workdir: PathLike, *, width: float = 1.0, fusion: bool = True, seed: int = 0) -> Path:
    """``WORKDIR/gan/<improved|plain>-w<WIDTH>-s<SEED>``: where a model goes when none is named."""
    return Path(workdir) / "gan" / f"{'improved' if fusion else 'plain'}-w{width:g}-s{seed}"


def train_gan_on_workdir(workdir: PathLike, model_dir: PathLike | None = None, *,
                         images: str | Sequence[PathLike] | None = None, width: float = 1.0, fusion: bool = True,
                         gan_base: str = "site", reuse_fake: bool = False, steps: int = 1000, batch_size: int = 16,
                         seed: int = 0, checkpoint_every: int = 100, dry_run: bool = False,
                         progress: bool | None = False) -> dict:
    """Train the (improved, ``fusion``) DCGAN on target images of ``workdir`` into ``model_dir``
    (default :func:`default_model_dir`); re-running resumes from the last checkpoint.

    ``images``: None = every target image; a glob or the path of a text file of
    workdir-relative paths (:func:`thermoquake.gan.workdir_io.select_training_images`); or the
    image paths themselves. ``gan_base`` "site" learns each site's mean field
    (:data:`BASE_OF_GAN_BASE`). With ``dry_run`` nothing is loaded or written. Returns the
    summary: ``model_dir``, ``images`` (count), ``sites`` (count), the settings, and
    ``synthetic`` (after training) or ``dry_run`` and ``paths`` (with ``dry_run``).
    Needs Keras unless ``dry_run``."""
    from thermoquake.errors import ConfigurationError
    from thermoquake.gan.workdir_io import load_images, select_training_images, site_of
    from thermoquake.outputs import refuse_outputs_over_inputs

    workdir = Path(workdir)
    if gan_base not in BASE_OF_GAN_BASE:
        raise ConfigurationError(f"gan_base {gan_base!r} is not one of {', '.join(BASE_OF_GAN_BASE)}")
    if images is None or isinstance(images, str):
        paths = select_training_images(workdir, images)
    else:
        paths = [Path(p) for p in images]
    model_dir = Path(model_dir) if model_dir is not None else default_model_dir(workdir, width=width, fusion=fusion,
                                                                               seed=seed)
    refuse_outputs_over_inputs({"model_dir": model_dir}, {"workdir": workdir, "image": paths,
                                                          "images": images if isinstance(images, str) else None})
    base = BASE_OF_GAN_BASE[gan_base]
    summary = {"model_dir": str(model_dir), "images": len(paths), "width": width, "fusion": fusion,
               "gan_base": gan_base, "base": base, "reuse_fake": reuse_fake, "steps": steps, "batch_size": batch_size,
               "seed": seed}
    if dry_run:
        return summary | {"dry_run": True, "sites": len({site_of(p) for p in paths}), "paths": [str(p) for p in paths]}
    from thermoquake.gan import train_gan

    loaded = load_images(paths)
    train_gan(loaded.celsius, model_dir, width=width, fusion=fusion, steps=steps, batch_size=batch_size, seed=seed,
              base=base, checkpoint_every=checkpoint_every, progress=progress, synthetic=loaded.synthetic,
              sources=[str(p.relative_to(workdir)) for p in paths], sites=loaded.sites, reuse_fake=reuse_fake)
    return summary | {"synthetic": loaded.synthetic, "sites": len(set(loaded.sites))}


def generate_like(model_dir: PathLike, n: int, out: PathLike, like: PathLike, *,
                  reference: Sequence[PathLike] = (), seed: int = 0, dry_run: bool = False,
                  progress: bool = False) -> dict:
    """Generate ``n`` images of the site of ``like`` (a real epicentre GeoTIFF) with the GAN in
    ``model_dir``, gate them against ``like`` and its RST reference and write them into
    ``out``: accepted ``gan_*.tif``, rejected ``rejected/gan_*.tif``, ``gate.csv`` and
    ``generated.json`` (:func:`thermoquake.gan.workdir_io.write_generated`).

    ``reference``: directories, globs or files of the site's reference days (default: the
    same calendar day's images in ``../reference/`` beside a workdir ``like``). A model of
    another site is refused. With ``dry_run`` the model and the site are checked and nothing is
    written; the plan is returned (``site``, ``reference_days``, ``architecture``, ``synthetic``).
    Returns the summary of ``generated.json`` otherwise. Needs Keras."""
    from thermoquake.gan import generate
    from thermoquake.gan.generation import training_info
    from thermoquake.gan.workdir_io import read_like, reference_stack, resolve_reference, write_generated
    from thermoquake.outputs import refuse_inputs_inside, refuse_outputs_over_inputs

    model_dir, out, like = Path(model_dir), Path(out), Path(like)
    real = read_like(like)
    specs = [os.fspath(r) for r in reference]
    reference_paths = resolve_reference(like, specs)
    inputs = {"model_dir": model_dir, "like": like, "reference": [*specs, *reference_paths]}
    refuse_outputs_over_inputs({"out": out}, inputs)
    refuse_inputs_inside({"out": out}, inputs)       # a re-run deletes OUT's old gan_*.tif
    info = training_info(model_dir)
    stack = reference_stack(reference_paths, real.celsius.shape)
    architecture = "improved-dcgan" if info.get("parameters", {}).get("fusion", True) else "dcgan"
    synthetic = bool(info.get("synthetic"))
    if dry_run:
        generate(model_dir, 0, seed, site=real.site)      # loads the generator, checks the site
        return {"dry_run": True, "model": str(model_dir), "n": n, "out": str(out), "site": real.site,
                "reference_days": len(reference_paths), "architecture": architecture, "synthetic": synthetic}
    images = generate(model_dir, n, seed, site=real.site)
    return write_generated(out, images, real, stack, model_dir=model_dir, seed=seed, synthetic=synthetic,
                           architecture=architecture, progress=progress)
