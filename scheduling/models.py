"""Models of scheduling."""
