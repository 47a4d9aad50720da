// The prepared statements the write paths keep for the life of the backend, and how they run.
#include "pg_helpers.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/snapmgr.h"
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

uint64 spi_execute(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what) {
    int status = SPI_execute_plan(plan, values, nulls, false, 0);
    if (status != expected)
        elog(ERROR, "%s returned %s", what, SPI_result_code_string(status));
    return SPI_processed;
}

uint64 spi_execute_latest(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what,
                          long count) {
    int status = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot, false, true, count);
    if (status != expected)
        elog(ERROR, "%s returned %s", what, SPI_result_code_string(status));
    return SPI_processed;
}

void spi_connect() {
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
}

}  // namespace kinde_claims
