from .human_visualizer import HumanVisualizer

__all__ = ['HumanVisualizer']
