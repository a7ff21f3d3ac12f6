"""Exit 0 when the database in argv[1] accepts a connection within a few seconds, else 1."""

import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"] or "postgres",
            connect_timeout=3,
        ):
            return 0
    except psycopg.Error as exc:
        print(f"   ({exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
