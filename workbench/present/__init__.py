"""Values into text tables, JSON, HTML, charts and widgets."""

import sys

# jsonschema (under Altair and nbformat) imports rfc3987_syntax when it is installed (an extra
# JupyterLab pulls in), which compiles ~40 Lark grammars on import: 3.5 s of the 4.7 s that
# ``import altair`` took, in every report's kernel and in ``workbench report`` itself. Neither
# Altair nor nbformat checks the "iri" formats it serves; jsonschema leaves them unchecked when
# the import fails, which ``None`` here makes it do (a module already imported is kept).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
