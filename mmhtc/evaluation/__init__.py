"""Evaluation metrics of the papers."""
__all__ = []
