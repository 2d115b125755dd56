"""Imported once by the extraction fork server, before it forks any worker:
trafilatura, htmldate and the language model are then loaded in every
worker for free (copy-on-write) instead of once per worker."""
from extractors.article import warm_up

warm_up()
