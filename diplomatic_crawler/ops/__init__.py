"""Operating the crawler, around the crawl rather than in it.

* `probe/`: onboard a site (fetch a few pages politely, infer a seed, render the commented draft);
* `health`: compare each site's last runs with its history, flag drift and blocking;
* `reextract`: run the current extractor again over the stored captures, offline.
"""
