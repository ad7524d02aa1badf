-- Whole transcript files read by DuckDB itself, for read_lines.sql: one group of files, whose
-- lists the loader writes in place of the names in braces (read_blob takes no column; looking a
-- file up in a list is cheaper than a join, which copies every file's bytes into its hash
-- table, and so is leaving the bytes unfiltered). Per file: its bytes split on newlines, and
-- its size as read. Not UTF-8: parts is NULL (try(decode)), and the file has no line at all.
-- A UTF-8 byte order mark at the start is not part of the first line (it starts at byte 3;
-- only such a file's bytes are sliced, which copies them).
SELECT ({file_ids})[i] AS file_id, bom AS start, 1::BIGINT AS first_line_no,
    octet_length(content) AS n_bytes,
    string_split(try(decode(CASE WHEN bom > 0 THEN content[4:] ELSE content END)), chr(10))
        AS parts
FROM (
    SELECT list_position({paths}, filename) AS i, content,
        CASE WHEN content[1:3] = '\xEF\xBB\xBF'::BLOB THEN 3 ELSE 0 END::BIGINT AS bom
    FROM read_blob({paths})
)
