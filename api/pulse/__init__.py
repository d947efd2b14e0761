"""The growth pulse: insights and queueing a rebuild (routes under /modules)."""
