class BoundaryImportError(Exception):
    """An import that cannot go on; the message is one line an operator can act on."""
