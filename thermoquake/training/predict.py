"""``thermoquake predict``: a trained run's model on new epicentre images."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.dataset.arrays import Normaliser, read_band
from thermoquake.errors import ModelDirectoryError, ThermoquakeError
from thermoquake.image.geotiff import is_synthetic
from thermoquake.evaluation.threshold import DEFAULT_THRESHOLD, THRESHOLD_FIXED, threshold_source
from thermoquake.rst.run import retira_path
from thermoquake.training.run_files import CONFIG_FILE, FINAL_MODEL_FILE, MODEL_FILE, NORMALISATION_FILE


def run_threshold(model_dir: Path) -> float:
    """The threshold the run fixed before evaluation (final_model.json, else config.json;
    the default for runs written before it was recorded)."""
    for name, keys in ((FINAL_MODEL_FILE, ()), (CONFIG_FILE, ("train",))):
        path = Path(model_dir) / name
        if path.is_file():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as err:
                raise ModelDirectoryError(f"cannot read: {err}", path) from None
            for key in keys:
                doc = doc.get(key, {})
            if "threshold" in doc:
                return float(doc["threshold"])
    return DEFAULT_THRESHOLD


def predict_images(model_dir: Path, images: Sequence[Path], threshold: float | None = None) -> dict:
    """Probabilities per image (°C GeoTIFFs of one size) and the any-day window alarm at
    ``threshold`` (default: the run's, fixed before its evaluation; another value is marked
    ``threshold_source`` "chosen after evaluation")."""
    from thermoquake.ml_extra import require_ml

    require_ml("prediction")
    from thermoquake.training.fit import load_model_safe, predict_probability

    model_dir = Path(model_dir)
    model_path, norm_path = model_dir / MODEL_FILE, model_dir / NORMALISATION_FILE
    if not model_path.is_file() or not norm_path.is_file():
        raise ModelDirectoryError("has no model.keras/normalisation.json (train without --no-final-model)", model_dir)
    normaliser = Normaliser.from_json(norm_path.read_text(encoding="utf-8"), norm_path)
    fixed = run_threshold(model_dir)
    threshold, source = threshold_source(threshold, fixed)
    model = load_model_safe(model_path)
    expected = tuple(model.input_shape[1:3])
    arrays, synthetic = [], False
    for path in images:
        image = read_band(path)
        if expected[0] is not None and image.shape != expected:
            raise ThermoquakeError(f"image is {image.shape[0]}x{image.shape[1]}, the model takes "
                                   f"{expected[0]}x{expected[1]}", path)
        r = None
        if "retira" in normaliser.channels:
            rp = retira_path(Path(path))
            if not rp.is_file():
                raise ThermoquakeError(f"the model needs the RETIRA map {rp.name} (thermoquake rst)", path)
            r = read_band(rp)
        synthetic |= is_synthetic(path)
        arrays.append(normaliser.encode(image, r))
    prob = predict_probability(model, np.stack(arrays))
    days = [{"image": str(p), "prob": float(q), "alarm": bool(q >= threshold)} for p, q in zip(images, prob)]
    out = {"days": days, "max_prob": float(prob.max()), "window_alarm": bool((prob >= threshold).any()),
           "threshold": threshold, "threshold_source": source, "synthetic": synthetic, "model": str(model_dir)}
    if source != THRESHOLD_FIXED:
        out["threshold_fixed"] = fixed
    return out


@dataclass(frozen=True)
class RunModel:
    """A trained run's final classifier and what it needs: ``box`` (height, width) pixels of
    1 km, ``window`` days before the event the run was trained on, the normalisation and the
    threshold the run fixed before evaluation."""

    model: object
    normaliser: Normaliser
    threshold: float
    window: int
    box: tuple[int, int]
    path: Path

    def probabilities(self, lst_c: np.ndarray, retira: np.ndarray | None = None, batch_size: int = 256) -> np.ndarray:
        """P(earthquake follows) of each image: ``lst_c`` (n, height, width) deg C with NaN,
        ``retira`` (n, height, width) R or None; returns (n,) float64."""
        from thermoquake.training.fit import predict_probability

        if lst_c.shape[0] == 0:
            return np.zeros(0)
        x = np.stack([self.normaliser.encode(im, None if retira is None else r)
                      for im, r in zip(lst_c, retira if retira is not None else [None] * len(lst_c))])
        return predict_probability(self.model, x, batch_size=batch_size)


def load_run_model(model_dir: Path) -> RunModel:
    """The final model of a run directory written by ``thermoquake train`` (module doc of
    :class:`RunModel`)."""
    from thermoquake.ml_extra import require_ml

    require_ml("prediction")
    from thermoquake.training.fit import load_model_safe

    model_dir = Path(model_dir)
    from thermoquake.training.run_files import CONFIG_FILE, MODEL_FILE, NORMALISATION_FILE

    model_path, norm_path, config_path = (model_dir / n for n in (MODEL_FILE, NORMALISATION_FILE, CONFIG_FILE))
    if not model_path.is_file() or not norm_path.is_file():
        raise ModelDirectoryError("has no model.keras/normalisation.json (train without --no-final-model)", model_dir)
    if not config_path.is_file():
        raise ModelDirectoryError("has no config.json: not a run directory written by thermoquake train", model_dir)
    try:
        window = int(json.loads(config_path.read_text(encoding="utf-8"))["train"]["window"])
    except (ValueError, KeyError, TypeError) as err:
        raise ModelDirectoryError(f"has no training window: {err}", config_path) from None
    normaliser = Normaliser.from_json(norm_path.read_text(encoding="utf-8"), norm_path)
    model = load_model_safe(model_path)
    h, w = model.input_shape[1:3]
    if h is None or w is None:
        raise ModelDirectoryError("the model takes images of any size; the monitor needs its box size", model_path)
    return RunModel(model, normaliser, run_threshold(model_dir), window, (int(h), int(w)), model_dir)
