-- The reference axis in PostgreSQL: agencies, systems, replay memory,
-- packets and their per-recipient deliveries. Several axisd instances
-- share these tables; what must hold across them is a constraint here
-- (one agency per code, one use of a request id per system, one packet
-- per id, one delivery per docId), not a check in one process.
-- Times are timestamptz with millisecond precision; NULL is "never".
-- Identity columns keep the sequence default CACHE 1: keys are handed out
-- in one order across all instances, and the queues list oldest first by
-- them (in the order stored, up to transactions still committing).

CREATE TABLE agencies (
  id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code      text        NOT NULL UNIQUE,
  old_code  text        NOT NULL DEFAULT '',
  name      text        NOT NULL DEFAULT '',
  mail      text        NOT NULL DEFAULT '',
  parent_id text        NOT NULL DEFAULT '',
  owner     text        NOT NULL DEFAULT '',
  created   timestamptz NOT NULL,
  updated   timestamptz NOT NULL
);

-- sealed_secret: AES-256-GCM under the server key, or NULL (secrets in
-- memory only). Never the plain secret.
CREATE TABLE systems (
  id            text        PRIMARY KEY,
  agency        text        NOT NULL,
  name          text        NOT NULL DEFAULT '',
  mailboxes     text[]      NOT NULL DEFAULT '{}',
  sealed_secret bytea,
  updated       timestamptz NOT NULL
);

-- Each (system, request id) is accepted once by whichever instance sees
-- it first (the primary key); rows are forgotten after until, when the
-- request's timestamp is out of the window anyway.
CREATE TABLE requests (
  system_id  text        NOT NULL,
  request_id text        NOT NULL,
  until      timestamptz NOT NULL,
  PRIMARY KEY (system_id, request_id)
);
CREATE INDEX requests_until ON requests (until);

CREATE TABLE packets (
  pk            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            text        NOT NULL UNIQUE,
  sender_system text        NOT NULL,
  from_addr     text        NOT NULL,
  from_agency   text        NOT NULL,
  service_type  text        NOT NULL,
  message_type  text        NOT NULL,
  sha256        text        NOT NULL,
  size          bigint      NOT NULL CHECK (size >= 0),
  document_id   text        NOT NULL DEFAULT '',
  subject       text        NOT NULL DEFAULT '',
  notation      text        NOT NULL DEFAULT '',
  status_code   text        NOT NULL DEFAULT '',
  status_desc   text        NOT NULL DEFAULT '',
  response_for  text        NOT NULL DEFAULT '',
  created       timestamptz NOT NULL
);
CREATE INDEX packets_from ON packets (from_addr, pk);
CREATE INDEX packets_document ON packets (document_id, from_agency) WHERE message_type = 'edoc';

-- The body in chunks of 256 KiB, so that neither writing nor reading
-- holds a whole packet in memory or a transaction open while a client
-- reads slowly.
CREATE TABLE packet_chunks (
  packet_pk bigint  NOT NULL REFERENCES packets (pk) ON DELETE CASCADE,
  seq       integer NOT NULL,
  data      bytea   NOT NULL,
  PRIMARY KEY (packet_pk, seq)
);

CREATE TABLE deliveries (
  pk              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doc_id          text        NOT NULL UNIQUE,
  packet_pk       bigint      NOT NULL REFERENCES packets (pk) ON DELETE CASCADE,
  to_addr         text        NOT NULL,
  to_agency       text        NOT NULL,
  message_type    text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('pending', 'processing', 'done', 'fail')),
  status_desc     text        NOT NULL DEFAULT '',
  created         timestamptz NOT NULL,
  updated         timestamptz NOT NULL,
  fetched         timestamptz,
  business_status text        NOT NULL DEFAULT '',
  business_desc   text        NOT NULL DEFAULT '',
  business_time   timestamptz
);
-- The queues: what each address has not yet acknowledged, oldest first.
CREATE INDEX deliveries_pending ON deliveries (to_addr, message_type, pk) WHERE status <> 'done';
CREATE INDEX deliveries_packet ON deliveries (packet_pk);
CREATE INDEX deliveries_agency ON deliveries (to_agency, packet_pk);
