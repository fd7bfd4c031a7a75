"""The web side: the patient's and the staff's blueprints (forms beside their
routes), staff sign-in and accounts, headers, error pages, the request's
language and address."""
