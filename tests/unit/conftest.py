"""Unit tests of the core (``kiosk.core``): plain Python, no app, no database,
no browser. ``make test-unit`` runs them alone, in seconds; tests/test_layers.py
checks that they import nothing of the kiosk outside its core."""
