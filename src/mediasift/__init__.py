"""mediasift: find and ask about what is inside your media."""

__version__ = "0.1.0"
