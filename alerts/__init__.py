"""Alerts (issue 7): framing-shift detection, source health, delivery.

cusum.py (the detector, pure numpy), calibrate.py (thresholds by
simulation, table in thresholds.json), detect.py (warehouse -> alert rows),
health.py (silent or failing sources), deliver.py (Apprise, Prefect event
and artifact), flow.py (check_alerts, called at the end of daily_ingest).
See the README, section "Alerts".
"""
