// Module load: the GUC and the catalog invalidation hook.
#include "kinde_claims.hpp"

extern "C" {
#include "utils/guc.h"
}

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace kinde_claims {
int max_claims_bytes = static_cast<int>(rules::kDefaultMaxClaimsBytes);
}

void _PG_init(void) {
    DefineCustomIntVariable("kinde_claims.max_claims_bytes",
                            "Largest custom-claims object a profile may hold, in bytes of its JSON text.",
                            "Tokens travel in HTTP headers and cookies; keep them small.",
                            &kinde_claims::max_claims_bytes,
                            static_cast<int>(kinde_claims::rules::kDefaultMaxClaimsBytes), 2, 1024 * 1024,
                            PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("kinde_claims");
    kinde_claims::profiles_catalog_register_invalidation();
    kinde_claims::upsert_trigger_register_invalidation();
    kinde_claims::history_register_callbacks();
}
