"""Everything that touches the network or raw bytes: HTTP, feeds, article text and metadata.

Modules are pure functions over bytes where possible; the only stateful piece
is the `Fetcher` (one HTTP client, per-host politeness, robots.txt cache).
"""
