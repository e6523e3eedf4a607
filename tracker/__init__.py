"""Activity Tracker core library: domain, services and persistence (no Qt)."""

__version__ = "0.1.0"
