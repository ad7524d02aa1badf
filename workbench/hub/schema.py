"""The hub's schema on PostgreSQL: create it, upgrade it, refuse a newer one, grant roles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from workbench.core.engines import connect_postgres, first_line, mask
from workbench.core.queries import sql_text
from workbench.core.store import WorkbenchError
from workbench.hub import layout


@contextmanager
def connect(url: str) -> Iterator:
    """A psycopg connection to the hub (autocommit; ``with hub.transaction()`` for writes).
    A connection failure becomes a one-line WorkbenchError with the password masked."""
    import psycopg

    con = connect_postgres(url)
    try:
        yield con
    except psycopg.errors.InsufficientPrivilege as exc:
        raise WorkbenchError(
            f"{mask(url)}: permission denied ({first_line(exc)}); the hub's owner grants "
            "roles with `workbench hub init --to URL --push-role NAME --read-role NAME`"
        ) from None
    except psycopg.Error as exc:
        raise WorkbenchError(f"{mask(url)}: {first_line(exc)}") from None
    finally:
        con.close()


def version(hub) -> int | None:
    """The hub's layout version (None: no workbench schema there yet)."""
    if hub.execute("SELECT to_regclass('meta')").fetchone()[0] is None:
        return None
    row = hub.execute("SELECT value FROM meta WHERE key = 'hub_version'").fetchone()
    return int(row[0]) if row else None


def ensure(hub, url: str) -> None:
    """Create the hub's tables when missing; rebuild an older layout (every machine's next push
    sends its sessions again); refuse a newer one."""
    found = version(hub)
    if found == layout.HUB_VERSION:
        return
    if found is not None and found > layout.HUB_VERSION:
        raise WorkbenchError(
            f"the hub at {mask(url)} was written by a newer workbench (hub schema {found}, this "
            f"one writes {layout.HUB_VERSION}); upgrade workbench on this machine"
        )
    with hub.transaction():
        hub.execute("SELECT pg_advisory_xact_lock(hashtext('workbench:schema'))")
        if version(hub) == layout.HUB_VERSION:  # another pusher created it meanwhile
            return
        if found is not None:
            for table in (*[t.name for t in layout.TABLES], "pushed_sessions", "pushes", "meta"):
                hub.execute(f"DROP TABLE IF EXISTS {table}")
        hub.execute(layout.ddl(layout.schema_columns()))
        hub.execute(sql_text("postgres_compat"))
        hub.execute(
            "INSERT INTO meta VALUES ('hub_version', %s), ('schema_version', %s)",
            (str(layout.HUB_VERSION), str(layout.HUB_VERSION)),
        )


def grant(hub, push_role: str | None, read_role: str | None) -> None:
    """Least privilege: ``push_role`` may read and write rows of the hub's tables (a push
    replaces a changed session's rows), ``read_role`` may only read them; neither can change
    the schema."""
    from psycopg import sql

    data = [t.name for t in layout.TABLES]
    rights = {
        push_role: {"SELECT, INSERT, UPDATE, DELETE": [*data, "pushed_sessions", "pushes"],
                    "SELECT": ["meta"]},
        read_role: {"SELECT": [*data, "pushes", "meta"]},
    }  # fmt: skip
    with hub.transaction():
        for role, grants in rights.items():
            if not role:
                continue
            ident = sql.Identifier(role)
            hub.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
            for what, tables in grants.items():
                for table in tables:
                    hub.execute(
                        sql.SQL(f"GRANT {what} ON {{}} TO {{}}").format(
                            sql.Identifier(table), ident
                        )
                    )
