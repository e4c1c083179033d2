"""Developer tools that are not part of the product (never imported by it, never shipped)."""
