-- A counter per queue (recipient address and message type), raised in
-- the transaction of every change to the queue's deliveries: a new
-- delivery or a status set. A server answers lists from its cache while
-- the counters of the queues listed have not grown (hub.Store.QueueStamp).
CREATE TABLE queue_versions (
  to_addr      text   NOT NULL,
  message_type text   NOT NULL,
  version      bigint NOT NULL,
  PRIMARY KEY (to_addr, message_type)
);

-- Queues that hold deliveries already start above zero.
INSERT INTO queue_versions (to_addr, message_type, version)
SELECT to_addr, message_type, count(*) FROM deliveries GROUP BY to_addr, message_type;
