"""Reports for analysts: a PNG of framing shares over time and a self-contained HTML page."""
