"""figcheck: a quantitative consistency checker for news reporting."""

__version__ = "0.1.0"
