"""Names that the settings need without loading any model library."""

DEFAULT_EMBEDDER = "use-multilingual-v3"
