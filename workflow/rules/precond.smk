# Rules of the precond paper (placeholder; filled by the precond issue).
PRECOND_TARGETS = []
