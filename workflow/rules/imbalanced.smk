# Rules of the imbalanced paper (placeholder; filled by the imbalanced issue).
IMBALANCED_TARGETS = []
