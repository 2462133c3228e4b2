"""The ``eplanning`` console command: Flask's CLI bound to create_app (db, wilayah, users, demo)."""

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, name="eplanning",
               help="e-Perencanaan: manage a region's instance (database, units, users, demo).")(
        prog_name="eplanning")
