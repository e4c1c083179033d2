"""Models of videoconf."""
