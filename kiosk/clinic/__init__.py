"""The clinic's settings: from the environment and ``config.py``, as last saved
on the settings page, the branding (logo, colour), and what they change (the
plan engines in force, Welcome's time needed)."""
