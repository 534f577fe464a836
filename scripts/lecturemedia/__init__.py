"""Lecture media generator: course sources -> traces -> videos -> slides."""
