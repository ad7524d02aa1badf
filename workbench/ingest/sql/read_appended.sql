-- Grown transcript files read by DuckDB itself from where the last run stopped, for
-- read_lines.sql: read_files.sql with a start byte and first line number per file (slicing
-- copies the bytes, which whole files are spared).
SELECT ({file_ids})[i] AS file_id, start, ({first_line_nos})[i] AS first_line_no,
    octet_length(content) AS n_bytes,
    string_split(try(decode(content[start + 1:])), chr(10)) AS parts
FROM (
    SELECT i, ({starts})[i] AS start, content
    FROM (SELECT list_position({paths}, filename) AS i, content FROM read_blob({paths}))
)
