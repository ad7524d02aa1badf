"""Questions over the marts as plain Python values: tokens, sessions, friction, search."""
