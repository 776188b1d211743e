// Package inbox is the local store of one desk: documents and their
// metadata, content-addressed attachment blobs, the Decree 30 workflow,
// numbering registers, full-text search and a hash-chained audit log.
// It never imports the GUI toolkit.
package inbox

import _ "modernc.org/sqlite" // the database driver (pure Go)
