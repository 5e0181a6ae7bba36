"""Broadsheet: a static site generator for news sites."""
__version__ = "0.1.0"
