-- The response keys a build touches and the files that hold them. Inputs: changed_files,
-- usage_lines, responses. Outputs (temp): build_keys(dedupe_key), every key the changed files
-- hold or held (a copy of a response in any file counts with it), and key_files(file_id), the
-- files with a usage line of one of those keys, and the changed files (whose responses rows
-- may be of keys they no longer hold): every file a row of these keys is in. The builder
-- writes key_files into the next steps as a list ({key_files}).
CREATE OR REPLACE TEMP TABLE build_keys AS
SELECT dedupe_key FROM usage_lines WHERE file_id IN (SELECT file_id FROM changed_files)
UNION
SELECT dedupe_key FROM responses WHERE file_id IN (SELECT file_id FROM changed_files);

CREATE OR REPLACE TEMP TABLE key_files AS
SELECT DISTINCT file_id FROM usage_lines WHERE dedupe_key IN (SELECT dedupe_key FROM build_keys)
UNION SELECT file_id FROM changed_files;
