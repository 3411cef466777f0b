"""``thermoquake augment train`` / ``augment generate``: thin wrappers over
:func:`thermoquake.gan.train_gan` and :func:`thermoquake.gan.generate` plus file handling.
TensorFlow / Keras are imported only inside the commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (gan_base_option, make_json_option, make_seed_option, progress_option,
                                     renamed_option)

LIBRARY_BASE = {"none": "none", "site": "mean"}
"""``--gan-base`` (as ``train --gan-base``) -> the GAN library's ``base``
(:data:`thermoquake.gan.normalise.BASES`)."""


@click.group()
def augment() -> None:
    """Improved DCGAN augmentation: train on a workdir's images, generate gated GeoTIFFs."""


@augment.command()
@click.option("--workdir", type=click.Path(path_type=Path), required=True,
              help="A thermoquake preprocess workdir (manifest.csv, images/).")
@click.option("--images", "selection", default=None,
              help="Which target images: a text file of workdir-relative paths, or a glob of them "
                   "(e.g. 'images/ev1/target/*'). Default: all target images.")
@click.option("--model-dir", type=click.Path(path_type=Path), default=None,
              help="Where the model goes. Default: WORKDIR/gan/<improved|plain>-w<WIDTH>-s<SEED>.")
@click.option("--width", type=float, default=1.0, show_default=True,
              help="Channel multiplier; 1.0 = the paper's model (GPU), 0.125 trains on a CPU.")
@click.option("--no-fusion", is_flag=True, help="The plain DCGAN baseline (no feature-fusion layer).")
@gan_base_option(default="site")
@renamed_option("--base", "--gan-base", "gan_base", type=click.Choice(["none", "mean"]),
                convert=lambda value: {"mean": "site"}.get(value, value))
@click.option("--reuse-fake", is_flag=True,
              help="The generator update reuses the discriminator update's generated batch (one generator "
                   "pass per step, as PyTorch's DCGAN example; ~1/5 fewer FLOPs at the paper's size).")
@click.option("--steps", type=click.IntRange(min=1), default=1000, show_default=True, help="Training steps.")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@make_seed_option()
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=100, show_default=True,
              help="Steps between checkpoints and sample grids (a killed run resumes from the last).")
@click.option("--dry-run", is_flag=True, help="List the selected images and the model directory only.")
@make_json_option("Print a JSON summary.")
@progress_option
def train(workdir: Path, selection: str | None, model_dir: Path | None, width: float, no_fusion: bool,
          gan_base: str, reuse_fake: bool, steps: int, batch_size: int, seed: int, checkpoint_every: int, dry_run: bool, as_json: bool,
          progress: bool) -> None:
    """Train the (improved) DCGAN on target images of a preprocess workdir.

    Standard GAN objective, Adam (2e-4, beta1 0.5), seeded; checkpoints every N steps, sample
    grids (samples/*.png), losses.csv and TensorBoard scalars in the model directory. Re-run
    the same command to resume a killed run.
    """
    from thermoquake.gan.workdir_io import load_images, select_training_images, site_of
    from thermoquake.outputs import refuse_outputs_over_inputs

    base = LIBRARY_BASE[gan_base]
    paths = select_training_images(workdir, selection)
    fusion = not no_fusion
    if model_dir is None:
        model_dir = workdir / "gan" / f"{'improved' if fusion else 'plain'}-w{width:g}-s{seed}"
    refuse_outputs_over_inputs({"--model-dir": model_dir},
                               {"--workdir": workdir, "--images": selection, "image": paths})
    summary = {"model_dir": str(model_dir), "images": len(paths), "width": width, "fusion": fusion,
               "gan_base": gan_base, "base": base, "reuse_fake": reuse_fake, "steps": steps, "batch_size": batch_size, "seed": seed}
    if dry_run:
        summary |= {"dry_run": True, "sites": len({site_of(p) for p in paths}), "paths": [str(p) for p in paths]}
        click.echo(json.dumps(summary, indent=2) if as_json else
                   f"would train on {len(paths)} image(s) of {summary['sites']} site(s) into {model_dir}\n"
                   + "\n".join(map(str, paths)))
        return
    loaded = load_images(paths)
    synthetic = loaded.synthetic
    from thermoquake.gan import train_gan

    train_gan(loaded.celsius, model_dir, width=width, fusion=fusion, steps=steps, batch_size=batch_size,
              seed=seed, base=base, checkpoint_every=checkpoint_every, progress=progress and not as_json,
              synthetic=synthetic, sources=[str(p.relative_to(workdir)) for p in paths], sites=loaded.sites,
              reuse_fake=reuse_fake)
    summary |= {"synthetic": synthetic, "sites": len(set(loaded.sites))}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"trained {'improved' if fusion else 'plain'} DCGAN on {len(paths)} image(s) of "
                   f"{summary['sites']} site(s){' (SYNTHETIC)' if synthetic else ''}: {model_dir}")


@augment.command()
@click.option("--model-dir", "model_dir", type=click.Path(path_type=Path),
              help="A model directory written by augment train.  [required]")
@renamed_option("--model", "--model-dir", "model_dir", required=True, type=click.Path(path_type=Path))
@click.option("--n", type=click.IntRange(min=1), required=True, help="Images to generate.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output directory.")
@click.option("--like", type=click.Path(path_type=Path), required=True,
              help="The real image (GeoTIFF) of the site and day to imitate: grid, tags, and the gate's real day.")
@click.option("--reference", multiple=True,
              help="The site's real RST reference (directory, glob or file; repeatable). Default: the "
                   "same calendar day's images in ../reference/ beside a workdir --like.")
@make_seed_option(help="Noise seed (same seed, same images).")
@click.option("--dry-run", is_flag=True,
              help="Check the model, the --like image's site and the reference; write nothing.")
@make_json_option("Print the summary as JSON.")
@progress_option
def generate(model_dir: Path, n: int, out: Path, like: Path, reference: tuple[str, ...], seed: int,
             dry_run: bool, as_json: bool, progress: bool) -> None:
    """Generate N images, gate them (RST + distribution checks) and write GeoTIFFs.

    Accepted: OUT/gan_*.tif; rejected: OUT/rejected/ (never train on these). OUT/gate.csv has
    one row per image (accepted, reasons, the gate's figures); OUT/generated.json the summary.
    """
    from thermoquake.gan.generation import training_info
    from thermoquake.gan.workdir_io import GATE_FILE, read_like, reference_stack, resolve_reference, write_generated
    from thermoquake.outputs import refuse_inputs_inside, refuse_outputs_over_inputs

    real = read_like(like)
    reference_paths = resolve_reference(like, reference)
    inputs = {"--model-dir": model_dir, "--like": like, "--reference": [*reference, *reference_paths]}
    refuse_outputs_over_inputs({"--out": out}, inputs)
    refuse_inputs_inside({"--out": out}, inputs)       # a re-run deletes OUT's old gan_*.tif
    info = training_info(model_dir)
    stack = reference_stack(reference_paths, real.celsius.shape)
    from thermoquake.gan import generate as generate_images

    fusion = info.get("parameters", {}).get("fusion", True)
    if dry_run:
        generate_images(model_dir, 0, seed, site=real.site)      # loads the generator, checks the site
        plan = {"dry_run": True, "model": str(model_dir), "n": n, "out": str(out), "site": real.site,
                "reference_days": len(reference_paths), "architecture": "improved-dcgan" if fusion else "dcgan",
                "synthetic": bool(info.get("synthetic"))}
        click.echo(json.dumps(plan, indent=2) if as_json else
                   f"would generate {n} image(s) for site {real.site} into {out}, gated against "
                   f"{len(reference_paths)} reference day(s){' - SYNTHETIC' if plan['synthetic'] else ''}")
        return
    images = generate_images(model_dir, n, seed, site=real.site)
    summary = write_generated(out, images, real, stack, model_dir=model_dir, seed=seed,
                              synthetic=bool(info.get("synthetic")),
                              architecture="improved-dcgan" if fusion else "dcgan",
                              progress=progress and not as_json)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"{summary['accepted']} of {n} generated image(s) accepted, {summary['rejected']} rejected "
                   f"(reasons in {out / GATE_FILE}){' - SYNTHETIC' if summary['synthetic'] else ''}")
        d = summary["diversity"]
        if d["ratio"] is not None:
            click.echo(f"diversity: {d['accepted_spread_k']:.2f} K between two accepted images vs "
                       f"{d['reference_spread_k']:.2f} K between two reference days (ratio {d['ratio']:.2f}; "
                       "well below 1 = the GAN repeats itself)")
