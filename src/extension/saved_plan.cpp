// The prepared statements the write paths keep for the life of the backend.
#include "kinde_claims.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace kinde_claims {

SPIPlanPtr saved_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types) {
    if (!*cache) {
        SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
        if (!plan)
            elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
        *cache = plan;
    }
    return *cache;
}

}  // namespace kinde_claims
