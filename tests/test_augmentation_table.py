"""The GAN augmentation record of a run, per fold: the real:fake ratio and each class's images."""

from __future__ import annotations

from thermoquake.evaluation.table import augmentation_rows, format_augmentation


def _note(ratio, added1, added0):
    return {"added": added1 + added0, "ratio": ratio,
            "per_class": {"1": {"real": 100, "generated": 200, "accepted": 150, "added": added1},
                          "0": {"real": 50, "generated": 100, "accepted": 20, "added": added0}}}


def test_each_fold_shows_its_ratio_and_both_classes():
    doc = {"augmentation": [_note(0.4, 40, 20), _note(0.0, 0, 0)]}
    rows = augmentation_rows(doc)
    assert [r["fold"] for r in rows] == [0, 1]
    assert rows[0]["ratio"] == 0.4 and rows[0]["events"]["added"] == 40 and rows[0]["controls"]["accepted"] == 20
    lines = format_augmentation(doc).splitlines()
    assert lines[0] == ("fold 0: ratio 0.400; events 40 added of 150 accepted / 200 generated (100 real); "
                        "controls 20 added of 20 accepted / 100 generated (50 real)")
    assert lines[1].startswith("fold 1: ratio 0.000; events 0 added")


def test_runs_without_gan_images_show_nothing():
    assert format_augmentation({"augmentation": [{"added": 0}, {"added": 12}]}) == ""
    assert augmentation_rows({}) == []
