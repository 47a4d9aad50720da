-- The SQL edition's settings (both forms: the plain migration and pg_tle's). The C++ edition's
-- kinde_claims.max_claims_bytes, allowed_kinde_claims, supabase_identity_provider and
-- supabase_hook_on_error are superuser-set configuration parameters, checked when set; without the
-- module they would be placeholders that any session may SET, so a writer could raise its own size
-- limit or allow Kinde's own claim names for its own writes. Here they are rows of this table
-- instead: owned by the installing owner, row-level security on and no policy or grant, so only
-- the owner reads or writes it; written through kinde_claims.setting_set (checked as the C++
-- edition checks a SET), read by the functions through kinde_claims.setting. A name without a row
-- has the C++ edition's default. kinde_claims.notify is here too, as the database's default; a
-- session, role or transaction may still turn it off for its own writes with SET, as in the C++
-- edition (docs/hosted.md#differences-between-the-editions).
CREATE TABLE kinde_claims.settings (
    name text COLLATE "C" PRIMARY KEY
        CONSTRAINT settings_name_check CHECK (name IN ('kinde_claims.max_claims_bytes',
            'kinde_claims.allowed_kinde_claims', 'kinde_claims.supabase_identity_provider',
            'kinde_claims.supabase_hook_on_error', 'kinde_claims.notify')),
    value text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    set_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE kinde_claims.settings IS
    'The SQL edition''s settings (the C++ edition''s kinde_claims.* parameters): change them with kinde_claims.setting_set';
ALTER TABLE kinde_claims.settings ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE kinde_claims.settings FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.settings', '');
