// The Postgres plumbing the extension's files share: SPI statements kept per backend, the switch
// to the tables' owner, text values, the row trigger protocol, restore detection.
#pragma once

#include <string_view>

#include "pg_boundary.hpp"

struct TriggerData;
struct _SPI_plan;
typedef struct _SPI_plan *SPIPlanPtr;

namespace kinde_claims {

// The current user switched to `role` (SECURITY_LOCAL_USERID_CHANGE) and back: how the
// extension's internal statements run as the tables' owner. An error's abort restores the caller.
struct UserSwitch {
    Oid caller;
    int security_context;
};
UserSwitch switch_user(Oid role);
void switch_back(const UserSwitch &saved);
// The bytes of a text value, in place (short or long header; the value must not be toasted).
inline std::string_view text_view(text *value) {
    return {VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)};
}
// Two texts (a user id, an org code) with the same bytes; two NULLs are equal.
inline bool text_equal(text *a, text *b) {
    if (a == nullptr || b == nullptr)
        return a == b;
    return text_view(a) == text_view(b);
}
// True while a top-level COPY FROM into the table `relid` itself runs (what pg_restore runs):
// not a COPY into an app table whose trigger writes this one, nor a COPY (query) TO.
bool copy_from_into(Oid relid);

// Refuses (42501) a prepared read of `source` to which row-level security applies for the
// current role: `function` would see a subset and take it for the whole table (`consequence`
// says what it would do then). kinde_claims_import.cpp.
void row_security_check(Oid source, SPIPlanPtr plan, const char *function, const char *consequence);
// The same refusal before the table `relid` is read or locked, from the catalog alone (no lock
// taken or waited for): 42501 "permission denied for table ..." unless the current role may select
// every column of it (on the table or on each column: what a read of its whole row needs), and
// row_security_check's 42501 when row-level security applies to the current role on it.
// kinde_claims_import.cpp.
void table_read_check(Oid relid, const char *function, const char *consequence);

// When a row trigger function may fire.
enum class RowTriggerFires { before_insert_or_update, after_any };
// The TriggerData of a row-level trigger call fired as `fires` allows, or a 39P01 error naming
// the trigger: the one place the trigger functions check how they were called.
::TriggerData *row_trigger_data(FunctionCallInfo fcinfo, const char *trigger_name, RowTriggerFires fires);

// A statement prepared on first use and kept for the backend's life (SPI_keepplan); its plan is
// invalidated and rebuilt by Postgres when the objects it names change. Call inside SPI.
SPIPlanPtr saved_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types);
// Runs a kept plan (nulls as SPI_execute_plan takes them, nullptr for none) and returns
// SPI_processed. Any status but `expected` (SPI_OK_INSERT, ...) is a bug in the statement,
// raised as an internal error naming `what`. Call inside SPI.
uint64 spi_execute(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what);
// The same, reading the latest committed state instead of the statement's snapshot, as foreign
// key checks do: for a statement run after the row locks that order it with the writes it could
// combine with, so it sees a write it waited for (in REPEATABLE READ too, whose snapshot may
// predate that write or not show a row it must lock). `count` limits the rows (0: all).
uint64 spi_execute_latest(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what,
                          long count = 0);
// SPI_connect, with its failure raised as an internal error; pair it with SPI_finish().
void spi_connect();

}  // namespace kinde_claims
