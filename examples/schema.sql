-- schema.sql: the sample payments table of the demo and of two-peers.sh,
-- made the same way on every node of the network.
--
-- pgmesh replicates inserts only, and never creates or changes tables:
-- run this on every node before replication starts.  Two choices make a
-- table fit an insert-only network of several writers:
--
--   * the key says where a row was born.  Each node numbers its own
--     payments from its own sequence, so two nodes may both make payment
--     42; (node, id) is unique across the network, and a row that arrives
--     twice is recognised by its key as a duplicate, not a new row.
--   * nothing is ever updated: a refund is a new payment with a negative
--     amount.  pgmesh-capture --init adds a guard that rejects UPDATE,
--     DELETE and TRUNCATE on the tables it replicates.

CREATE TABLE payments (
	node		text		NOT NULL,	-- the node that took it
	id		bigserial	NOT NULL,	-- numbered by that node
	account_id	bigint		NOT NULL,
	amount		numeric(12,2)	NOT NULL,
	currency	char(3)		NOT NULL,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	memo		text,
	PRIMARY KEY (node, id)
);

CREATE INDEX payments_account_id ON payments (account_id);
