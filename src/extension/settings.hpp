// The extension's settings (module.cpp defines them as GUCs): what the rules, the Supabase hook
// and the notifications read.
#pragma once

#include "pg_boundary.hpp"

namespace kinde_claims {

// kinde_claims.max_claims_bytes
extern int max_claims_bytes;
// kinde_claims.allowed_kinde_claims: Kinde-issued claim names a superuser lets writes set.
extern char *allowed_kinde_claims;
// kinde_claims.supabase_identity_provider and kinde_claims.supabase_hook_on_error: which Supabase
// Auth identity provider is Kinde, and what kinde_claims_access_token_hook does on a failure.
extern char *supabase_identity_provider;
extern int supabase_hook_on_error;
enum { kHookOnErrorOpen = 0, kHookOnErrorClosed = 1 };
// kinde_claims.notify: whether a change of a user's token sends NOTIFY kinde_claims_changed.
extern bool notify;

}  // namespace kinde_claims
