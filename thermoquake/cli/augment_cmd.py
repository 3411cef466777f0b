"""``thermoquake augment train`` / ``augment generate``: thin wrappers over
:func:`thermoquake.gan.augment.train_gan_on_workdir` and :func:`thermoquake.gan.augment.generate_like`.
TensorFlow / Keras are imported only inside the commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (gan_base_option, make_json_option, make_seed_option, progress_option,
                                     renamed_option)

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
    from thermoquake.gan.augment import default_model_dir, train_gan_on_workdir

    fusion = not no_fusion
    model_dir = model_dir or default_model_dir(workdir, width=width, fusion=fusion, seed=seed)
    summary = train_gan_on_workdir(workdir, model_dir, images=selection, width=width, fusion=fusion, gan_base=gan_base,
                                   reuse_fake=reuse_fake, steps=steps, batch_size=batch_size, seed=seed,
                                   checkpoint_every=checkpoint_every, dry_run=dry_run,
                                   progress=progress and not as_json)
    if dry_run:
        click.echo(json.dumps(summary, indent=2) if as_json else
                   f"would train on {summary['images']} image(s) of {summary['sites']} site(s) into {model_dir}\n"
                   + "\n".join(summary["paths"]))
    elif as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"trained {'improved' if fusion else 'plain'} DCGAN on {summary['images']} image(s) of "
                   f"{summary['sites']} site(s){' (SYNTHETIC)' if summary['synthetic'] else ''}: {model_dir}")


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
    from thermoquake.gan.augment import generate_like
    from thermoquake.gan.workdir_io import GATE_FILE

    summary = generate_like(model_dir, n, out, like, reference=reference, seed=seed, dry_run=dry_run,
                            progress=progress and not as_json)
    if dry_run:
        click.echo(json.dumps(summary, indent=2) if as_json else
                   f"would generate {n} image(s) for site {summary['site']} into {out}, gated against "
                   f"{summary['reference_days']} reference day(s){' - SYNTHETIC' if summary['synthetic'] else ''}")
        return
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
