"""`python -m diplomatic_crawler.cli`: the same CLI as the `diplomatic-crawler` script."""

from . import main

main()
