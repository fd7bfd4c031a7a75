"""Extensions, created here and bound to the app in ``init_app``."""

from flask import Flask
from flask_babel import Babel
from flask_htmx import HTMX
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .paths import MIGRATIONS_DIR


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS_DIR))
htmx = HTMX()
babel = Babel()


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    htmx.init_app(app)
    # Flask-Babel formats dates and numbers for the language in force, which
    # kiosk.i18n sets per request (the patient's, or the clinic's for staff).
    from .i18n import TRANSLATIONS_DIR, current_language

    babel.init_app(
        app,
        locale_selector=current_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
