-- schema.sql: the table of the chaos run, on every node.
--
-- Like examples/schema.sql's payments, keyed by the node that took the row
-- and its number there, and with the load generator's transaction number.
-- Unlike it, (node, id) is not a unique key: with one, a transaction
-- applied twice would meet its own rows and pass as a harmless duplicate;
-- without, each extra application leaves extra rows, which the checker
-- counts.  Nothing in this network legitimately brings a row twice (the
-- hub's database is not captured again), so any extra row is a fault of
-- exactly-once delivery.

CREATE TABLE chaos_payments (
	node		text		NOT NULL,	-- the node that took it
	id		bigint		NOT NULL,	-- txn * 10 + row
	txn		bigint		NOT NULL,	-- the load generator's transaction
	account_id	bigint		NOT NULL,
	amount		numeric(12,2)	NOT NULL,
	currency	char(3)		NOT NULL,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	memo		text
);

CREATE INDEX chaos_payments_key ON chaos_payments (node, id);
