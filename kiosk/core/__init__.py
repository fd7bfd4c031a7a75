"""The kiosk's core: plain Python, no Flask and no database.

The clinic's content and its schemas (``content``), the questionnaire's flow
and answers, the plan (``plan``), the PDFs' documents and rendering (``pdf``),
the FHIR export, languages and dates (``i18n``). Everything here takes what it
needs as arguments, so the unit tests (``tests/unit``) run it without an app.
"""
