# Shim for benches that still install apps with setuptools; pyproject.toml holds the metadata.
from setuptools import setup

setup()
