"""The session browser: filters, a sortable list, and the selected session's transcript.

Interactive (JupyterLab): ipywidgets for every filter (user, project, agent, model, date range,
errors only, outcome, grade, free text), a sort control, a list of sessions, and below it the
selected transcript with tool errors highlighted, a "next error" button and a way into
subagents and back. Headless (``workbench report``, or ``WORKBENCH_HEADLESS=1``): a static,
escaped HTML table of the filtered sessions instead of widgets.

Every number comes from :func:`workbench.query.signals.listing`; the transcript from
:mod:`workbench.query.transcript` and :mod:`workbench.present.render`.
"""

from __future__ import annotations

import html
import os
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from workbench.core import redact as redaction
from workbench.present import render, textout
from workbench.query import signals, transcript
from workbench.query.db import lit

SORTS = {
    "newest first": "started_at:desc",
    "oldest first": "started_at:asc",
    "most active": "active_seconds:desc",
    "most tool calls": "tool_calls:desc",
    "most errors": "tool_errors:desc",
    "most expensive": "cost:desc",
    "user": "user:asc",
    "model": "model:asc",
}
OUTCOMES = ("completed", "abandoned", "errored", "unknown")
GRADES = ("A", "B", "C", "D", "F")
#: Events shown before the current error when jumping to it.
CONTEXT_EVENTS = 6


def headless() -> bool:
    """True when running without a live front end (``workbench report`` sets the variable)."""
    return os.environ.get("WORKBENCH_HEADLESS", "") not in ("", "0")


class SessionBrowser:
    """Filters, list and transcript; ``widget`` is the ipywidgets tree to display."""

    def __init__(
        self, con, *, tz: str = "UTC", redact: bool = True, page_size: int = 200, **filters
    ):
        import ipywidgets as w

        self.con, self.tz, self.redact, self.page_size = con, tz, redact, page_size
        self.base_filters = filters
        options = {
            col: sorted(
                v for v in con.column(f"SELECT DISTINCT {col} FROM sessions") if v is not None
            )
            for col in ("user_name", "project", "agent", "primary_model")
        }
        layout = w.Layout(width="auto")
        self.users = w.SelectMultiple(
            options=options["user_name"], description="users", rows=4, layout=layout
        )
        self.projects = w.SelectMultiple(
            options=options["project"], description="projects", rows=4, layout=layout
        )
        self.agents = w.SelectMultiple(
            options=options["agent"], description="agents", rows=3, layout=layout
        )
        self.models = w.SelectMultiple(
            options=options["primary_model"], description="models", rows=4, layout=layout
        )
        self.since = w.DatePicker(description="from")
        self.until = w.DatePicker(description="to")
        self.errors_only = w.Checkbox(description="errors only", value=False)
        self.outcomes = w.SelectMultiple(options=OUTCOMES, description="outcome", rows=4)
        self.grades = w.SelectMultiple(options=GRADES, description="grade", rows=5)
        self.text = w.Text(description="search", placeholder="id, file or first prompt")
        self.sort = w.Dropdown(options=list(SORTS), value="newest first", description="sort")
        self.status = w.HTML()
        self.list = w.Select(options=[], rows=14, layout=w.Layout(width="100%"))
        self.next_error_button = w.Button(description="next error", icon="arrow-down")
        self.prev_error_button = w.Button(description="previous error", icon="arrow-up")
        self.back_button = w.Button(description="back to parent", disabled=True)
        self.subagents = w.Dropdown(options=[], description="subagents")
        #: the transcript scrolls inside a box of at most 70% of the window's height
        self.view = w.HTML(layout=w.Layout(max_height="70vh", overflow="auto"))
        self.banner = w.HTML()
        for control in (
            self.users,
            self.projects,
            self.agents,
            self.models,
            self.since,
            self.until,
            self.errors_only,
            self.outcomes,
            self.grades,
            self.text,
            self.sort,
        ):
            control.observe(lambda _change: self.refresh(), names="value")
        self.list.observe(lambda change: self.open(change["new"]), names="value")
        self.next_error_button.on_click(lambda _b: self.next_error())
        self.prev_error_button.on_click(lambda _b: self.previous_error())
        self.back_button.on_click(lambda _b: self.back())
        self.subagents.observe(
            lambda change: change["new"] and self.open(change["new"], from_parent=True),
            names="value",
        )
        self.rows: list[dict] = []
        self.current: transcript.Transcript | None = None
        self.error_index = -1
        self.trail: list[str] = []
        self.widget = w.VBox(
            [
                w.HBox([self.users, self.projects, self.agents, self.models]),
                w.HBox([self.since, self.until, self.errors_only, self.text]),
                w.HBox([self.outcomes, self.grades, self.sort]),
                self.status,
                self.list,
                w.HBox(
                    [
                        self.prev_error_button,
                        self.next_error_button,
                        self.subagents,
                        self.back_button,
                    ]
                ),  # fmt: skip
                self.banner,
                self.view,
            ]
        )
        self.refresh()

    # ---- filtering ----------------------------------------------------------------------
    def filters(self) -> dict:
        """The listing arguments the widgets currently select."""
        f = dict(self.base_filters)
        f.update(
            users=list(self.users.value) or f.get("users", ()),
            projects=list(self.projects.value) or f.get("projects", ()),
            agents=list(self.agents.value) or f.get("agents", ()),
            models=list(self.models.value),
            errors_only=self.errors_only.value,
            outcomes=list(self.outcomes.value),
            grades=list(self.grades.value),
            q=self.text.value.strip() or None,
            sort=SORTS[self.sort.value],
            limit=self.page_size,
        )
        zone = ZoneInfo(self.tz)
        if self.since.value:
            f["since"] = datetime.combine(self.since.value, time(), zone).astimezone(timezone.utc)
        if self.until.value:
            end = date.fromordinal(self.until.value.toordinal() + 1)
            f["until"] = datetime.combine(end, time(), zone).astimezone(timezone.utc)
        return f

    def refresh(self) -> None:
        """Re-run the listing with the current filters."""
        data = signals.listing(self.con, **self.filters())
        self.rows = data["rows"]
        shown = len(self.rows)
        more = f" (showing the first {shown})" if data["total"] > shown else ""
        self.status.value = (
            f"<b>{data['total']:,}</b> sessions{more}. Each line: <code>!</code> = tool errors, "
            "start, user, project, errors, cost ('-' = no price), health grade, first prompt."
        )
        self.list.options = [(self._label(r), r["session_id"]) for r in self.rows]

    def _label(self, r: dict) -> str:
        mark = "!" if r["tool_errors"] else " "
        cost = textout.money(r["total_cost_usd"]) if r["total_cost_usd"] is not None else "-"
        prompt = " ".join((r["first_prompt"] or "").split())[:60]
        if self.redact:
            prompt = redaction.redact(prompt)
        return (
            f"{mark} {textout.local(r['started_at'], self.tz)}  {r['user_name']:<10} "
            f"{(r['project'] or '-'):<14} {r['tool_errors']:>3} err  {cost:>8}  "
            f"{r['health_grade']}  {prompt}"
        )

    # ---- the transcript -----------------------------------------------------------------
    def open(self, session_id: str | None, *, from_parent: bool = False) -> None:
        """Show a session's transcript (subagents: reachable below, and back again)."""
        if not session_id:
            return
        if from_parent and self.current is not None:
            self.trail.append(self.current.session["session_id"])
        elif not from_parent:
            self.trail = []
        self.current = transcript.load(self.con, session_id, depth=0)
        self.error_index = -1
        subs = self.con.rows(
            "SELECT session_id, agent_type FROM sessions WHERE parent_session_id = "
            f"{lit(session_id)} ORDER BY started_at, session_id"
        )
        self.subagents.options = [("", None)] + [
            (f"{s['session_id']} ({s['agent_type'] or '?'})", s["session_id"]) for s in subs
        ]
        self.back_button.disabled = not self.trail
        self._show(0)

    def error_positions(self) -> list[int]:
        """Indexes (in the current transcript's events) of the failed tool results."""
        if self.current is None:
            return []
        return [
            i for i, e in enumerate(self.current.events) if e.kind == "tool_result" and e.is_error
        ]

    def next_error(self, step: int = 1) -> int | None:
        """Jump to the next tool error (``step=-1``: the previous one; wrapping around);
        returns its event index. The status line says when there is none (it replaces the
        previous status: banners never stack)."""
        if self.current is None:
            self.banner.value = self._banner("Open a session first.")
            return None
        errors = self.error_positions()
        if not errors:
            self.banner.value = self._banner("No tool errors in this session.")
            return None
        if self.error_index < 0 and step < 0:
            self.error_index = 0
        self.error_index = (self.error_index + step) % len(errors)
        at = errors[self.error_index]
        self._show(
            max(0, at - CONTEXT_EVENTS), note=f"Error {self.error_index + 1} of {len(errors)}"
        )
        return at

    def previous_error(self) -> int | None:
        """Jump to the previous tool error (wrapping around)."""
        return self.next_error(-1)

    def back(self) -> None:
        """Return to the session that spawned the current subagent."""
        if self.trail:
            parent = self.trail.pop()
            self.open(parent, from_parent=False)
            self.trail = list(self.trail)

    def _show(self, start: int, note: str = "") -> None:
        t = self.current
        view = transcript.Transcript(t.session, t.events[start:])
        self.banner.value = self._banner(
            note or f"{len(t.events)} events, {len(self.error_positions())} tool errors"
        )
        self.view.value = render.html(view, redact=self.redact)

    @staticmethod
    def _banner(text: str) -> str:
        return f'<div style="margin:.4em 0;color:#374151">{html.escape(text)}</div>'


#: A few lines of inline script: a search box and click-to-sort headers on the static table.
#: The table is complete without it (mail clients and wiki previews strip scripts).
TABLE_SCRIPT = """
(function () {
  var t = document.querySelector('table.wb-sessions'); if (!t) return;
  var rows = Array.prototype.slice.call(t.tBodies[0].rows);
  var box = document.createElement('input');
  box.type = 'search'; box.placeholder = 'search sessions'; box.className = 'wb-search';
  var count = document.createElement('span'); count.className = 'wb-count';
  t.parentNode.insertBefore(box, t); t.parentNode.insertBefore(count, t);
  function filter() {
    var q = box.value.toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
      r.style.display = hit ? '' : 'none'; n += hit;
    });
    count.textContent = ' ' + n + ' of ' + rows.length + ' shown';
  }
  box.addEventListener('input', filter);
  Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
    th.style.cursor = 'pointer'; th.title = 'sort';
    th.addEventListener('click', function () {
      var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        var x = a.cells[i].dataset.v || a.cells[i].textContent;
        var y = b.cells[i].dataset.v || b.cells[i].textContent;
        var nx, ny;
        if (i >= 5 && i <= 9) {
          nx = parseFloat(x.replace(/[$,<]/g, '')); ny = parseFloat(y.replace(/[$,<]/g, ''));
          return ((isNaN(nx) ? -1 : nx) - (isNaN(ny) ? -1 : ny)) * dir;
        }
        return x.localeCompare(y) * dir;
      });
      rows.forEach(function (r) { t.tBodies[0].appendChild(r); });
    });
  });
  filter();
})();
"""


#: The first prompt's characters a row of the session table keeps (cut with "…").
PROMPT_CHARS = 90

#: The newest this many sessions of the table link to a transcript page (the report writes one
#: per linked session: about 50 KB and 20 ms each); older rows show the id's first 8 characters.
LINKED_SESSIONS = 2000


def static_table(
    con, *, tz: str = "UTC", redact: bool = True, link_limit: int = LINKED_SESSIONS, **filters
) -> str:
    """Every filtered session as one escaped HTML table (for headless reports): short ids
    linking to each transcript page (the newest ``link_limit``), numbers right-aligned;
    :data:`TABLE_SCRIPT` adds search and sorting where scripts run."""
    from workbench.present import views

    rows: list[dict] = []
    offset: int | None = 0
    while offset is not None:
        data = signals.listing(con, limit=signals.MAX_LIMIT, offset=offset, **filters)
        rows += data["rows"]
        offset = data["next_offset"]
    esc = lambda v: redaction.escape(v, redact=redact)  # noqa: E731
    head = ("session", "started", "user", "project", "first prompt", "active", "tool calls",
            "errors", "cost", "health", "outcome", "model", "agent")  # fmt: skip
    # A row per session, each byte counted (a 1,000-session table is most of the page): the
    # short id links without a class (styled by column), the prompt is cut once with "…"
    # (no hover copy) and CSS ends it at the column's width, and the optional </td> and
    # </tr> end tags are left out (HTML parses the same table without them).
    body = []
    for n, r in enumerate(rows):
        sid = r["session_id"]
        if n < link_limit:
            href = views.transcript_href(sid)
            named = "" if href == f"transcripts/{sid}.html" else f' data-session="{esc(sid)}"'
            ident = f'<a href="{esc(href)}"{named}>{esc(sid[:8])}</a>'
        else:
            ident = esc(sid[:8])  # an unambiguous prefix for `workbench sessions export`
        prompt = " ".join((r["first_prompt"] or "").split())
        if len(prompt) > PROMPT_CHARS:
            prompt = prompt[: PROMPT_CHARS - 1].rstrip() + "…"
        cells = (
            ident,
            esc(textout.local(r["started_at"], tz)),
            esc(r["user_name"]),
            esc(r["project"] or "-"),
            esc(prompt),
            esc(textout.duration(r["active_seconds"])),
            f"{r['tool_calls']:,}",
            f"{r['tool_errors']:,}",
            esc(views.money(r["total_cost_usd"])),
            esc(f"{r['health_score']} {r['health_grade']}"),
            esc(r["outcome"]),
            esc(r["primary_model"] or "-"),
            esc(r["agent"]),
        )
        # only the active time needs its sort key spelled out ("1h 2m" does not parse)
        active = f' data-v="{r["active_seconds"] or 0:.0f}"'
        tds = "".join(f"<td{active}>{v}" if i == 5 else f"<td>{v}" for i, v in enumerate(cells))
        cls = ' class="err"' if r["tool_errors"] else ""
        body.append(f"<tr{cls}>{tds}\n")
    ths = "".join(f"<th>{h}</th>" for h in head)
    style = (
        "<style>.wb-sessions{border-collapse:collapse;font:13px system-ui,sans-serif}"
        ".wb-sessions td,.wb-sessions th{padding:2px 8px;border-bottom:1px solid #e5e7eb;"
        "text-align:left;vertical-align:top}"
        # columns by position: 1-5 and 12 never wrap, 6-10 are numbers (keeps rows small)
        ".wb-sessions :is(td,th):is(:nth-child(n+6):nth-child(-n+10)){text-align:right;"
        "font-variant-numeric:tabular-nums;white-space:nowrap}"
        ".wb-sessions td:is(:nth-child(-n+5),:nth-child(12)){white-space:nowrap}"
        ".wb-sessions td:first-child{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,"
        "monospace}"
        ".wb-sessions td:nth-child(5){max-width:26em;overflow:hidden;text-overflow:ellipsis}"
        ".wb-sessions tr.err td:first-child{border-left:3px solid #dc2626}"
        ".wb-scroll{overflow-x:auto}"
        ".wb-search{margin:.3em 0;padding:3px 6px;min-width:18em}</style>"
    )
    legend = (
        f"<p>{len(rows):,} sessions, newest first; a red edge marks a session with tool errors. "
        "Click an id for its transcript. Active = time with activity (gaps over 10 minutes "
        "left out); health 0–100 with its grade (A ≥ 90 … F < 40); cost '-' = no priced "
        "response."
        + (
            f" Transcript pages are written for the newest {link_limit:,} sessions; for an "
            "older one: <code>workbench sessions export ID --format html</code>."
            if len(rows) > link_limit
            else ""
        )
        + "</p>"
    )
    return (
        style
        + legend
        + '<div class="wb-scroll"><table class="wb-sessions"><thead><tr>'
        + ths
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
        + f"<script>{TABLE_SCRIPT}</script>"
    )


def show(con, *, tz: str = "UTC", redact: bool = True, **filters):
    """The browser widget, or the static table when headless (what the notebook displays)."""
    from IPython.display import HTML

    if headless():
        return HTML(static_table(con, tz=tz, redact=redact, **filters))
    return SessionBrowser(con, tz=tz, redact=redact, **filters).widget
