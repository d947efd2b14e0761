"""Analytics: trends, funnels, retention and the analytics marts."""
