"""Short reference codes a patient can read out: ``K7P-4QX``.

The alphabet leaves out characters that are easy to confuse when read from a
screen or said aloud: 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
"""

import secrets

ALPHABET = "ACEFHJKMNPRTWXY3479"
LENGTH = 6


def new_reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:3]}-{code[3:]}"


def normalise(text: str) -> str:
    """A code as typed by staff (any case, spaces, no dash) in its stored form."""
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{code[:3]}-{code[3:]}" if len(code) == LENGTH else code
