"""Packages for setuptools; the rest of the metadata is in pyproject.toml.

The curated seeds are package data, `diplomatic_crawler.curated_seeds`, mapped from the project's `seeds/`
(pyproject.toml's `packages.find` cannot add a package from another directory): an installed package and
a scrapyd egg carry them (see diplomatic_crawler/seeds.py). `scrapyd-deploy` builds its egg with this file
(`setup.py bdist_egg`); without one it would write its own into the project.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["diplomatic_crawler*"]), "diplomatic_crawler.curated_seeds"],
    package_dir={"diplomatic_crawler.curated_seeds": "seeds"},
)
