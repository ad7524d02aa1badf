"""What kind of tool a call used, as agentsview names it, and the skill a Skill call ran.

agentsview's categories are ``Read``, ``Edit``, ``Write``, ``Bash``, ``Grep``, ``Glob``,
``Task``, ``Tool`` and ``Other``; the names it knows get its category, and the tools of Claude
Code, Codex CLI and Gemini CLI it does not list are placed the same way (web, to-do and MCP
tools are ``Tool``). The friction category of a failed call is another thing: ``error_category``.
"""

from __future__ import annotations

import json

CATEGORIES = ("Read", "Edit", "Write", "Bash", "Grep", "Glob", "Task", "Tool", "Other")

#: Tool name -> category. Claude Code, then Codex CLI, then Gemini CLI.
TOOL_CATEGORIES = {
    # Claude Code
    "Read": "Read",
    "NotebookRead": "Read",
    "LS": "Read",
    "Edit": "Edit",
    "MultiEdit": "Edit",
    "Write": "Write",
    "NotebookEdit": "Write",
    "Bash": "Bash",
    "BashOutput": "Bash",
    "KillShell": "Bash",
    "KillBash": "Bash",
    "Grep": "Grep",
    "Glob": "Glob",
    "Task": "Task",
    "Agent": "Task",
    "Skill": "Tool",
    "WebFetch": "Tool",
    "WebSearch": "Tool",
    "TodoWrite": "Tool",
    "ExitPlanMode": "Tool",
    "EnterPlanMode": "Tool",
    "AskUserQuestion": "Tool",
    "SlashCommand": "Tool",
    "ToolSearch": "Tool",
    "TaskCreate": "Tool",  # the task board (to-dos), not a subagent
    "TaskUpdate": "Tool",
    "TaskList": "Tool",
    "TaskGet": "Tool",
    "TaskOutput": "Tool",
    "TaskStop": "Tool",
    "SendMessage": "Task",  # a message to a running teammate agent
    "ListMcpResourcesTool": "Tool",
    "ReadMcpResourceTool": "Tool",
    # Codex CLI
    "shell": "Bash",
    "shell_command": "Bash",
    "exec_command": "Bash",
    "write_stdin": "Bash",
    "local_shell": "Bash",
    "local_shell_call": "Bash",
    "apply_patch": "Edit",
    "view_image": "Read",
    "update_plan": "Tool",
    "web_search": "Tool",
    "web_search_call": "Tool",
    # Gemini CLI
    "read_file": "Read",
    "read_many_files": "Read",
    "list_directory": "Read",
    "write_file": "Write",
    "edit_file": "Write",
    "replace": "Edit",
    "run_shell_command": "Bash",
    "run_command": "Bash",
    "execute_command": "Bash",
    "search_file_content": "Grep",
    "search_files": "Grep",
    "grep": "Grep",
    "glob": "Glob",
    "google_web_search": "Tool",
    "web_fetch": "Tool",
    "save_memory": "Tool",
    "write_todos": "Tool",
}


def tool_category(name: str | None) -> str:
    """The category of the tool ``name`` (``mcp__server__tool`` is ``Tool``; unknown:
    ``Other``)."""
    if not name:
        return "Other"
    if name.startswith("mcp__"):
        return "Tool"
    return TOOL_CATEGORIES.get(name, "Other")


def skill_name(name: str | None, input_json: str | None) -> str | None:
    """The skill a Skill call ran (its input's ``skill``, or ``command`` in older Claude
    Code); None for other tools."""
    if name != "Skill" or not input_json:
        return None
    try:
        data = json.loads(input_json)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("skill") or data.get("command")
    return value if isinstance(value, str) and value else None
