from .search_constructor import SearchOptimWrapperConstructor

__all__ = ['SearchOptimWrapperConstructor']
