"""PowerKAM — key-account management for an electric power supply company's marketing department."""

__version__ = "0.1.0"
