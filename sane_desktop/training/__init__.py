"""Training: the compatibility and attribute networks on a catalogue's train split.

Entry points: :func:`sane_desktop.training.trainer.train` (outfits, or the attribute network alone
for catalogues without outfits), :func:`sane_desktop.training.presets.preset`, and
:func:`sane_desktop.training.report.evaluate`. Both trainers run one skeleton,
:mod:`sane_desktop.training.loop`. Nothing is imported here: ``import sane_desktop.training`` stays
free of torch until a submodule is used.
"""
