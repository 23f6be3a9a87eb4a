"""The curated seeds (one TOML file per site), installed as the package data `diplomatic_crawler.curated_seeds`
(see setup.py and diplomatic_crawler/seeds.py). No code here."""
