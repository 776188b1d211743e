-- The reference axis: agencies, systems, replay memory, packets and their
-- per-recipient deliveries. Times are Unix milliseconds (UTC).

CREATE TABLE agencies (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  code       TEXT    NOT NULL UNIQUE,
  old_code   TEXT    NOT NULL DEFAULT '',
  name       TEXT    NOT NULL DEFAULT '',
  mail       TEXT    NOT NULL DEFAULT '',
  parent_id  TEXT    NOT NULL DEFAULT '',
  owner      TEXT    NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);

-- sealed_secret: AES-256-GCM under the server key, or NULL (secrets in
-- memory only). Never the plain secret.
CREATE TABLE systems (
  id            TEXT    PRIMARY KEY,
  agency        TEXT    NOT NULL,
  name          TEXT    NOT NULL DEFAULT '',
  mailboxes     TEXT    NOT NULL DEFAULT '[]',
  sealed_secret BLOB,
  updated_ms    INTEGER NOT NULL
);

-- Each (system, request id) is accepted once; rows are forgotten after
-- until_ms, when the request's timestamp is out of the window anyway.
CREATE TABLE requests (
  system_id  TEXT    NOT NULL,
  request_id TEXT    NOT NULL,
  until_ms   INTEGER NOT NULL,
  PRIMARY KEY (system_id, request_id)
);
CREATE INDEX requests_until ON requests (until_ms);

CREATE TABLE packets (
  pk            INTEGER PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  sender_system TEXT    NOT NULL,
  from_addr     TEXT    NOT NULL,
  from_agency   TEXT    NOT NULL,
  service_type  TEXT    NOT NULL,
  message_type  TEXT    NOT NULL,
  sha256        TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  document_id   TEXT    NOT NULL DEFAULT '',
  subject       TEXT    NOT NULL DEFAULT '',
  notation      TEXT    NOT NULL DEFAULT '',
  status_code   TEXT    NOT NULL DEFAULT '',
  status_desc   TEXT    NOT NULL DEFAULT '',
  response_for  TEXT    NOT NULL DEFAULT '',
  created_ms    INTEGER NOT NULL
);
CREATE INDEX packets_from ON packets (from_addr, pk);
CREATE INDEX packets_document ON packets (document_id, from_agency);

-- The body in chunks, so that neither writing nor reading holds a whole
-- packet in memory.
CREATE TABLE packet_chunks (
  packet_pk INTEGER NOT NULL REFERENCES packets (pk) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  data      BLOB    NOT NULL,
  UNIQUE (packet_pk, seq)
);

CREATE TABLE deliveries (
  pk              INTEGER PRIMARY KEY,
  doc_id          TEXT    NOT NULL UNIQUE,
  packet_pk       INTEGER NOT NULL REFERENCES packets (pk) ON DELETE CASCADE,
  to_addr         TEXT    NOT NULL,
  to_agency       TEXT    NOT NULL,
  message_type    TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  status_desc     TEXT    NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  fetched_ms      INTEGER NOT NULL DEFAULT 0,
  business_status TEXT    NOT NULL DEFAULT '',
  business_desc   TEXT    NOT NULL DEFAULT '',
  business_ms     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_pending ON deliveries (to_addr, message_type, pk) WHERE status <> 'done';
CREATE INDEX deliveries_packet ON deliveries (packet_pk);
CREATE INDEX deliveries_agency ON deliveries (to_agency);
