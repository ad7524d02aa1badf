-- Transcript lines read and split by DuckDB itself: raw_lines(file_id, line_no, byte_offset,
-- line, bad_reason, read_size) for a parse query, without the bytes passing through Python.
-- Input: read_files.sql (or read_appended.sql) once per group of files, joined by UNION ALL (the
-- loader writes them in place of the placeholder in braces below). A read_blob hands out all
-- its files in one vector, so the work before the window runs on one thread per read_blob
-- (hence the groups); the window (which numbers the bytes) hands its partitions to all
-- threads, and the parse after it runs in parallel.
--
-- One row per piece between newlines (blank pieces included: they keep their line number). The
-- piece after the last newline is the row with read_size set (the file's size as read): whether
-- it is a line (a complete JSON value ending a finished file) or one still being written, the
-- loader decides (native.settle). A file that is not valid UTF-8 from where it is read, or that
-- vanished, has no row at all, and one whose name read_blob gave back other than asked has
-- rows without a file_id (dropped by the loader: a filter here would be pushed down to the
-- files, and copy their bytes): the loader reads those in Python instead.
SELECT file_id, line_no,
    start + sum(strlen(line) + 1) OVER (
        PARTITION BY file_id ORDER BY line_no ROWS UNBOUNDED PRECEDING
    ) - strlen(line) - 1 AS byte_offset,
    line,
    NULL::VARCHAR AS bad_reason,
    CASE WHEN line_no = last_no THEN n_bytes END AS read_size
FROM (
    SELECT file_id, start, n_bytes, first_line_no - 1 + generate_subscripts(parts, 1) AS line_no,
        unnest(parts) AS line, first_line_no - 1 + len(parts) AS last_no
    FROM ({files})
)
