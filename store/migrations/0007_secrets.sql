-- 0007: the secrets a person types (the App Secret, the SMTP password, each
-- integration's signing secret) on a computer without a system keyring,
-- where the person agreed to keep the data key in the key file. Each is
-- sealed with the data key like the tokens (AES-256-GCM, bound to its
-- service and name), so the table never holds one in plaintext and a backup
-- carries them only for a folder with the same key. With a system keyring
-- the secrets stay there and this table stays empty.
CREATE TABLE secrets (
    service    TEXT NOT NULL,
    name       TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (service, name)
) STRICT;
