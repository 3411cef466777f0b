"""Window datasets for the classifier: which images, their labels and groups (``windows``),
the model's input arrays (``arrays``), grouped and chronological splits (``splits``) and
classic augmentation (``augment``). No TensorFlow here."""
