"""Shared training machinery: the one loop (``loop.fit``), checkpoints and their fingerprint
(``checkpoint``), and the one learning-rate selection (``lr_select``)."""
