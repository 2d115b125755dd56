"""The analyst's explorer: `framewatch ui`, a local web app over the analyst snapshot.

explorer/data.py reads the snapshot (read-only, reopened when a new one is
published) and the label corrections; explorer/charts.py builds the
Vega-Lite specs; explorer/web.py is the FastAPI app; explorer/static/ the
page and its script. The Vega JavaScript comes from vl-convert-python's
bundle, served by the app itself: nothing is fetched from a CDN.
"""
