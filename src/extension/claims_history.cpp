// The claims history: one row in kinde_claims.claims_history per change of what a user's token
// carries, written by the AFTER row trigger on kinde_claims.profiles in the writer's transaction.
// The API functions say which path wrote (upsert, webhook, ...) through a backend-local stack of
// sources pushed around their write; a write with no source pushed is a direct `sql` write. A
// (sub)transaction abort pops what it left behind, so an error never leaves a stale source.
#include "kinde_claims.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
}

namespace kinde_claims {

struct HistorySource {
    const char *source;
    text *event_id;  // the webhook's event_id, while its write runs
    Oid app_table;   // the app table kinde_profile_upsert_trigger fired on
    int nest_level;  // the (sub)transaction that pushed it
    HistorySource *outer;
};

namespace {

HistorySource *current_source;

constexpr const char *kInsertSql =
    "INSERT INTO kinde_claims.claims_history "
    "(kinde_id, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

SPIPlanPtr insert_plan;

void forget_sources_at_end(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
        current_source = nullptr;  // the frames were in TopTransactionContext, gone with it
}

void forget_sources_of_aborted(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    int aborted_level = GetCurrentTransactionNestLevel();
    while (current_source && current_source->nest_level >= aborted_level)
        current_source = current_source->outer;
}


text *role_name(Oid role) {
    return cstring_to_text(GetUserNameFromId(role, false));
}

void jwt_claims_context(void *) {
    errcontext("reading the setting request.jwt.claims for the claims history");
}

// The JWT's "role" when PostgREST set request.jwt.claims for this request, else nullptr.
text *jwt_role() {
    const char *claims = GetConfigOption("request.jwt.claims", true, false);
    if (claims == nullptr || claims[0] == '\0')
        return nullptr;
    ErrorContextCallback context{error_context_stack, jwt_claims_context, nullptr};
    error_context_stack = &context;
    Jsonb *object = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));
    error_context_stack = context.previous;
    if (!JB_ROOT_IS_OBJECT(object))
        return nullptr;
    JsonbValue value;
    if (!getKeyJsonValueFromContainer(&object->root, "role", 4, &value) || value.type != jbvString)
        return nullptr;
    return cstring_to_text_with_len(value.val.string.val, value.val.string.len);
}

text *app_table_name(Oid relation) {
    char *name = get_rel_name(relation);
    if (name == nullptr)
        return nullptr;
    return cstring_to_text(quote_qualified_identifier(get_namespace_name(get_rel_namespace(relation)), name));
}

// A database still at an older version (this library installed, ALTER EXTENSION ... UPDATE not
// run yet) has no history table: its writes go on, and the history starts with the update.
bool history_table_exists() {
    Oid schema = get_namespace_oid("kinde_claims", true);
    return OidIsValid(schema) && OidIsValid(get_relname_relid("claims_history", schema));
}

}  // namespace

// A top-level COPY into kinde_claims.profiles is what pg_restore runs: the rows come back with
// their history, which the dump carries too, so the restore itself is no change to record.
bool copy_in_progress() {
    return ActivePortal != nullptr && ActivePortal->commandTag == CMDTAG_COPY;
}

HistorySource *history_source_push(const char *source, text *event_id, Oid app_table) {
    auto *frame =
        static_cast<HistorySource *>(MemoryContextAlloc(TopTransactionContext, sizeof(HistorySource)));
    *frame = {source, event_id, app_table, GetCurrentTransactionNestLevel(), current_source};
    current_source = frame;
    return frame;
}

void history_source_pop(HistorySource *frame) {
    current_source = frame->outer;
    pfree(frame);
}

void history_register_callbacks() {
    RegisterXactCallback(forget_sources_at_end, nullptr);
    RegisterSubXactCallback(forget_sources_of_aborted, nullptr);
}

void history_record(text *kinde_id, const ProfileRow &before, const ProfileRow &after) {
    if (copy_in_progress() || !history_table_exists())
        return;
    const HistorySource *source = current_source;
    text *event_id = source ? source->event_id : nullptr;
    text *app_table = source && OidIsValid(source->app_table) ? app_table_name(source->app_table) : nullptr;
    // The role the session acts as (SET ROLE, PostgREST's role switch), which no SECURITY
    // DEFINER function in between changes: current_user would always be the extension's owner.
    text *actor = role_name(GetOuterUserId());
    text *jwt = jwt_role();
    Jsonb *old_claims = token_claims_build(before.lifetime_subscriber, before.claims);
    Jsonb *new_claims = token_claims_build(after.lifetime_subscriber, after.claims);
    Oid owner = profiles_owner();

    spi_connect();
    Oid types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID};
    SPIPlanPtr plan = saved_plan(&insert_plan, kInsertSql, 8, types);
    Datum values[8] = {PointerGetDatum(kinde_id),  CStringGetTextDatum(source ? source->source : "sql"),
                       PointerGetDatum(event_id),  PointerGetDatum(app_table),
                       PointerGetDatum(actor),     PointerGetDatum(jwt),
                       JsonbPGetDatum(old_claims), JsonbPGetDatum(new_claims)};
    char nulls[8] = {' ', ' ', event_id ? ' ' : 'n', app_table ? ' ' : 'n', ' ', jwt ? ' ' : 'n', ' ', ' '};
    // The writer may be any role the owner let write the table; the history is the owner's.
    UserSwitch saved = switch_user(owner);
    spi_execute(plan, values, nulls, SPI_OK_INSERT, "claims history insert");
    switch_back(saved);
    SPI_finish();
}

void history_record_query(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values,
                          const char *nulls) {
    if (copy_in_progress() || !history_table_exists())
        return;
    constexpr int kContext = 5;
    const HistorySource *source = current_source;
    text *event_id = source ? source->event_id : nullptr;
    text *app_table = source && OidIsValid(source->app_table) ? app_table_name(source->app_table) : nullptr;
    text *actor = role_name(GetOuterUserId());
    text *jwt = jwt_role();
    Oid owner = profiles_owner();

    Oid all_types[kContext + 8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum all_values[kContext + 8] = {CStringGetTextDatum(source ? source->source : "sql"),
                                      PointerGetDatum(event_id), PointerGetDatum(app_table),
                                      PointerGetDatum(actor), PointerGetDatum(jwt)};
    char all_nulls[kContext + 8] = {' ', event_id ? ' ' : 'n', app_table ? ' ' : 'n', ' ', jwt ? ' ' : 'n'};
    Assert(nargs <= 8);
    for (int i = 0; i < nargs; ++i) {
        all_types[kContext + i] = types[i];
        all_values[kContext + i] = values[i];
        all_nulls[kContext + i] = nulls[i];
    }
    spi_connect();
    SPIPlanPtr plan = saved_plan(cache, sql, kContext + nargs, all_types);
    UserSwitch saved = switch_user(owner);
    spi_execute(plan, all_values, all_nulls, SPI_OK_INSERT, "claims history insert");
    switch_back(saved);
    SPI_finish();
}

}  // namespace kinde_claims
