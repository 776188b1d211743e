-- Schema version 3: lists in deadline order (soonest first, documents
-- without a deadline last) read an index instead of sorting the folder.
-- Oldest-first lists walk the date indexes of version 1 backwards.
CREATE INDEX documents_by_deadline ON documents ((deadline = ''), deadline, id);
CREATE INDEX documents_by_folder_deadline ON documents (folder, (deadline = ''), deadline, id);
