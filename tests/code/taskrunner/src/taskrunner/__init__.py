"""taskrunner: a small job runner with retries, leases and a scheduler."""

__version__ = "0.3.1"
