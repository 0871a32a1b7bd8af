-- Runs once, when the data directory is created: Dagster's instance gets its own database beside the
-- operational DB (`atom`), owned by the same role.
CREATE DATABASE dagster OWNER atom;
