// Module load: the GUC and the catalog invalidation hook.
#include "kinde_claims.hpp"

#include <cstdio>
#include <optional>

extern "C" {
#include "utils/guc.h"
}

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace kinde_claims {
int max_claims_bytes = static_cast<int>(rules::kDefaultMaxClaimsBytes);
char *allowed_kinde_claims = nullptr;
char *supabase_identity_provider = nullptr;
int supabase_hook_on_error = kHookOnErrorOpen;
bool notify = true;

namespace {

// The check hook may not raise an error: it reports through GUC_check_errmsg. The texts are
// copied into fixed buffers first so no C++ object is alive when Postgres is called.
char guc_message[256];
char guc_detail[1024];

bool allowed_kinde_claims_refused(const char *value) {
    std::optional<rules::Violation> violation = rules::check_allowed_kinde_claims(value ? value : "");
    if (!violation)
        return false;
    snprintf(guc_message, sizeof guc_message, "%s", violation->message.c_str());
    snprintf(guc_detail, sizeof guc_detail, "%s", violation->detail.c_str());
    return true;
}

bool allowed_kinde_claims_check(char **newval, void **, GucSource) {
    if (!allowed_kinde_claims_refused(*newval))
        return true;
    GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
    GUC_check_errmsg("%s", guc_message);
    GUC_check_errdetail("%s", guc_detail);
    return false;
}

bool supabase_identity_provider_check(char **newval, void **, GucSource) {
    if (*newval != nullptr && rules::is_valid_supabase_provider(*newval))
        return true;
    GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
    GUC_check_errmsg("invalid Supabase identity provider \"%s\"", *newval ? *newval : "");
    GUC_check_errhint("Supabase Auth names a custom provider \"custom:\" followed by its identifier (such as "
                      "custom:kinde): 2 to 50 lowercase letters, digits, \"-\" and \":\".");
    return false;
}

const struct config_enum_entry hook_on_error_options[] = {
    {"open", kHookOnErrorOpen, false}, {"closed", kHookOnErrorClosed, false}, {nullptr, 0, false}};

}  // namespace
}  // namespace kinde_claims

void _PG_init(void) {
    DefineCustomIntVariable("kinde_claims.max_claims_bytes",
                            "Largest custom-claims object a profile may hold, in bytes of its JSON text.",
                            "Tokens travel in HTTP headers and cookies; keep them small.",
                            &kinde_claims::max_claims_bytes,
                            static_cast<int>(kinde_claims::rules::kDefaultMaxClaimsBytes), 2, 1024 * 1024,
                            PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("kinde_claims.allowed_kinde_claims",
                               "Claim names Kinde issues itself that writes may still set (comma-separated).",
                               "Such a claim replaces Kinde's own value in the token (permissions, roles, "
                               "org_code, ...); only a superuser may allow one.",
                               &kinde_claims::allowed_kinde_claims, "", PGC_SUSET, GUC_LIST_INPUT,
                               kinde_claims::allowed_kinde_claims_check, nullptr, nullptr);
    DefineCustomStringVariable("kinde_claims.supabase_identity_provider",
                               "The Supabase Auth identity provider that is Kinde, for kinde_claims_access_token_hook.",
                               "auth.identities.provider of a user's Kinde identity, as Supabase Auth stores it "
                               "(lower-cased).",
                               &kinde_claims::supabase_identity_provider,
                               kinde_claims::rules::kDefaultSupabaseProvider.data(), PGC_SUSET, 0,
                               kinde_claims::supabase_identity_provider_check, nullptr, nullptr);
    DefineCustomEnumVariable("kinde_claims.supabase_hook_on_error",
                             "What kinde_claims_access_token_hook does when it cannot read the claims.",
                             "open: Supabase Auth issues the token without them; closed: Supabase Auth refuses "
                             "the token with the hook's error.",
                             &kinde_claims::supabase_hook_on_error, kinde_claims::kHookOnErrorOpen,
                             kinde_claims::hook_on_error_options, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // PGC_USERSET: the database's owner sets it with ALTER DATABASE ... SET (a PGC_SUSET setting
    // needs a superuser there), and a role or one transaction may turn it off for its own writes.
    // The notification is a hint to listeners, never the record: the claims history (and with it
    // sync's feed) is written either way, so a role that turns it off hides nothing.
    DefineCustomBoolVariable("kinde_claims.notify",
                             "Whether a change of what a user's token carries sends NOTIFY kinde_claims_changed.",
                             "Every notifying commit of the cluster waits on one queue lock, listeners or not; "
                             "turn it off when no application listens. The claims history is written either way.",
                             &kinde_claims::notify, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("kinde_claims");
    kinde_claims::profiles_catalog_register_invalidation();
    kinde_claims::upsert_trigger_register_invalidation();
    kinde_claims::access_token_hook_register_invalidation();
    kinde_claims::history_register_callbacks();
}
