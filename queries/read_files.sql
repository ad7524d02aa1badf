-- Transcript files read by DuckDB itself, for read_lines.sql: per file of the temp table
-- read_plan(file_id, path, start, first_line_no) among the paths the loader writes in place of
-- the placeholder in braces (a list literal: read_blob takes no column), its bytes from `start`
-- split on newlines, and its size as read.
-- Not UTF-8 from `start`: parts is NULL (try(decode)), and the file has no line at all.
SELECT r.file_id, r.start, r.first_line_no, octet_length(b.content) AS n_bytes,
    string_split(try(decode(
        CASE WHEN r.start = 0 THEN b.content ELSE b.content[r.start + 1:] END
    )), chr(10)) AS parts
FROM read_blob({paths}) b
JOIN read_plan r ON r.path = b.filename
