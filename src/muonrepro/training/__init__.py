"""Shared training machinery: the one loop (``loop.fit``), the one run setup (``run.train_run``: optimizer,
fingerprinted checkpoint, resume, fit), checkpoints and their fingerprint (``checkpoint``), and the one
learning-rate selection (``lr_select``)."""
