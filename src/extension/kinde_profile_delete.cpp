// kinde_profile_delete(kinde_id text) RETURNS boolean: true if a profile was removed.
#include "kinde_claims.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kDeleteSql =
    "DELETE FROM kinde_claims.profiles WHERE kinde_id OPERATOR(pg_catalog.=) $1";

SPIPlanPtr delete_plan;

bool profile_delete(text *kinde_id) {
    spi_connect();
    Oid types[1] = {TEXTOID};
    SPIPlanPtr plan = saved_plan(&delete_plan, kDeleteSql, 1, types);
    Datum values[1] = {PointerGetDatum(kinde_id)};
    HistorySource *source = history_source_push("delete");
    bool removed = spi_execute(plan, values, nullptr, SPI_OK_DELETE, "profile delete") > 0;
    history_source_pop(source);
    SPI_finish();
    return removed;
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_profile_delete) {
    text *kinde_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    PG_RETURN_BOOL(kinde_claims::profile_delete(kinde_id));
}
