"""Animations: computations run with PyTorch into traces, Manim scenes drawing them into videos and stills."""
