"""`workbench hub`: set up a team hub on PostgreSQL and see what it holds."""

from __future__ import annotations

import argparse

from workbench.frontends.commands.common import EXIT_OK, dedent, examples
from workbench.frontends.commands.push import hub_url
from workbench.present import textout


def register(sub) -> None:
    p = sub.add_parser(
        "hub",
        help="set up a team hub (PostgreSQL) and see what it holds",
        description="A team hub: every machine pushes its sessions to one PostgreSQL database; "
        "every read command, report and notebook reads it with --db postgresql://….",
        epilog=dedent("""
examples:
  workbench hub init --to postgresql://owner@hub/workbench --push-role wb_push --read-role wb_read
  workbench hub status --to postgresql://wb_read@hub/workbench
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hub_sub = p.add_subparsers(dest="hub_command", metavar="COMMAND", required=True)
    init = hub_sub.add_parser(
        "init",
        help="create (or upgrade) the hub's tables and grant roles",
        description="Run once by the database's owner: creates the tables (or upgrades an older "
        "layout; each machine's next push then sends everything again) and grants the pushing "
        "role SELECT, INSERT, UPDATE, DELETE on them and the reading role SELECT only.",
        **examples("""
examples:
  workbench hub init --to postgresql://owner@hub/workbench --push-role wb_push --read-role wb_read
  workbench hub init --json                       # the hub from $WORKBENCH_HUB
"""),
    )
    status = hub_sub.add_parser(
        "status",
        help="machines, sessions and the last pushes",
        **examples("""
examples:
  workbench hub status --to postgresql://wb_read@hub/workbench
  workbench hub status --json
"""),
    )
    for q in (init, status):
        q.add_argument("--to", metavar="URL", help="the hub's URL (default: $WORKBENCH_HUB)")
        q.add_argument("--json", action="store_true", help="print JSON")
    init.add_argument("--push-role", metavar="ROLE", help="the role machines push with")
    init.add_argument("--read-role", metavar="ROLE", help="the role reports read with")
    init.set_defaults(func=cmd_init)
    status.set_defaults(func=cmd_status)


def cmd_init(args: argparse.Namespace) -> int:
    from workbench.core.engines import mask
    from workbench.hub import layout, schema

    url = hub_url(args.to)
    with schema.connect(url) as hub:
        schema.ensure(hub, url)
        schema.grant(hub, args.push_role, args.read_role)
    out = {
        "hub": mask(url),
        "hub_version": layout.HUB_VERSION,
        "push_role": args.push_role,
        "read_role": args.read_role,
    }
    if args.json:
        textout.print_json(out)
    else:
        print(f"Hub ready at {out['hub']} (layout {layout.HUB_VERSION}).")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from workbench.core.engines import mask
    from workbench.hub import schema

    url = hub_url(args.to)
    with schema.connect(url) as hub:
        if schema.version(hub) is None:
            from workbench.core.store import DatabaseMissing

            raise DatabaseMissing(f"{mask(url)} holds no workbench hub: `workbench push` first")
        cur = hub.execute(
            "SELECT s.machine, count(*) AS sessions, count(DISTINCT s.user_name) AS users, "
            "min(s.started_at) AS first, max(s.ended_at) AS last, "
            "(SELECT max(p.pushed_at) FROM pushes p WHERE s.machine = ANY("
            "string_to_array(p.machine, ','))) AS last_push "
            "FROM sessions s GROUP BY s.machine ORDER BY s.machine"
        )
        names = [d.name for d in cur.description]
        machines = [dict(zip(names, r)) for r in cur.fetchall()]
    out = {"hub": mask(url), "machines": machines}
    if args.json:
        textout.print_json(out)
    else:
        print(f"{out['hub']}: {len(machines)} machine(s)")
        headers = ["machine", "sessions", "users", "first", "last", "last push"]
        rows = [
            [m["machine"], m["sessions"], m["users"], textout.local(m["first"], "UTC"),
             textout.local(m["last"], "UTC"), textout.local(m["last_push"], "UTC")]
            for m in machines
        ]  # fmt: skip
        print(textout.table(headers, rows, right=[1, 2]) if rows else "  (no sessions yet)")
    return EXIT_OK
