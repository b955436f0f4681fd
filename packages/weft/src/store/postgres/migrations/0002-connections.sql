-- Connections and their sealed secrets (AES-256-GCM envelopes); nothing here is plaintext.

CREATE TABLE connections (
  id           TEXT PRIMARY KEY,
  connector_id TEXT NOT NULL,
  config       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);

-- connection_id '' holds flow-level secrets (${secret:NAME} in flow files).
CREATE TABLE vault_secrets (
  connection_id TEXT NOT NULL,
  name          TEXT NOT NULL,
  kid           TEXT NOT NULL,
  envelope      TEXT NOT NULL,
  PRIMARY KEY (connection_id, name)
);
CREATE INDEX vault_secrets_kid ON vault_secrets (kid);
