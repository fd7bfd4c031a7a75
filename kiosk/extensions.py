"""Extensions, created here and bound to the app in ``init_app``."""

from flask import Flask
from flask_htmx import HTMX
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .paths import MIGRATIONS_DIR


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS_DIR))
htmx = HTMX()


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    htmx.init_app(app)
