"""The throwaway database the bench fills: a SQLite file in the run's temporary directory,
or a scratch PostgreSQL database next to the one ``DATABASE_URL`` names, which is never
touched itself."""

from urllib.parse import urlsplit

from .errors import BenchError


def bench_database(source_url, temp, *, pg_database, replace):
    """The database to fill: ``(url, where, drop)``. Without ``source_url``, a SQLite file
    in ``temp`` and no ``drop``; with a ``postgres://`` one, the scratch database
    ``pg_database`` (default: ``<its name>_bench``) on that server, created here, and the
    function that drops it."""
    if source_url and not source_url.startswith(("postgres://", "postgresql://")):
        raise BenchError("DATABASE_URL must be a postgres:// URL (or unset for SQLite).")
    if not source_url:
        return (
            f"sqlite:///{temp / 'bench.sqlite3'}",
            "SQLite, a file in a temporary directory",
            None,
        )
    name = pg_database or (urlsplit(source_url).path.lstrip("/") or "postgres")
    if not pg_database:
        name += "_bench"
    database_url, drop = scratch_postgres(source_url, name, replace=replace)
    return database_url, f"PostgreSQL, scratch database {name}", drop


def scratch_postgres(url, name, *, replace):
    """Create the scratch database ``name`` on the server of ``url``; return its URL and a
    function that drops it."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    given = parts.path.lstrip("/") or "postgres"
    if name == given:
        raise BenchError(f"The scratch database must not be the one DATABASE_URL names ({name}).")

    def connect():
        for database in dict.fromkeys([given, "postgres"]):
            try:
                return psycopg.connect(
                    parts._replace(path=f"/{database}").geturl(), autocommit=True
                )
            except psycopg.OperationalError as error:
                last = error
        raise BenchError(f"Cannot connect to PostgreSQL at {parts.hostname}: {last}")

    with connect() as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not replace:
            raise BenchError(
                f"Database {name} already exists. It is the bench's scratch database: rerun "
                "with --replace-database to drop and recreate it, or pick another name with "
                "--pg-database."
            )
        if exists:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop():
        with connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return parts._replace(path=f"/{name}").geturl(), drop


def add_database_arguments(parser):
    """The options every bench shares for its scratch PostgreSQL database."""
    parser.add_argument(
        "--pg-database",
        help="scratch database name on the DATABASE_URL server (default: <its name>_bench)",
    )
    parser.add_argument(
        "--replace-database", action="store_true",
        help="drop and recreate the scratch PostgreSQL database if it already exists",
    )  # fmt: skip
