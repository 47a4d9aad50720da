// The claims history: one row in kinde_claims.claims_history per change of what a user's token
// carries, written by the AFTER row trigger on kinde_claims.profiles in the writer's transaction.
// The API functions say which path wrote (upsert, webhook, ...) through a backend-local stack of
// sources pushed around their write; a write with no source pushed is a direct `sql` write. A
// (sub)transaction abort pops what it left behind, so an error never leaves a stale source.
#include "catalog.hpp"
#include "history.hpp"
#include "history_direct_writer.hpp"
#include "pg_helpers.hpp"
#include "token.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
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

// Where the current value of a setting came from. The history takes the writer's role and its
// JWT's role only from what the writing transaction set itself (or, for the role, what the
// session got at login): behind a transaction pooler (PgBouncer, Supavisor) one server session
// runs the transactions of many clients, and a plain SET that one client ran in a transaction of
// its own stays on the server session for whichever client's transaction comes next.
enum class SettingOrigin {
    unset,                // no such setting in this session (a custom one nobody set)
    login,                // its default, the configuration, ALTER ROLE/DATABASE ... SET, the startup packet
    this_transaction,     // changed in the current transaction: SET LOCAL, set_config(..., true), a
                          // SET in the same transaction, a function's SET clause
    earlier_transaction,  // a plain SET (set_config(..., false)) of an earlier transaction, kept
                          // by the session: behind a pooler, perhaps another client's
};

#if PG_VERSION_NUM < 160000
// guc.c's guc_name_compare: the array of settings is sorted by it (ASCII case folded).
int setting_name_compare(const char *a, const char *b) {
    for (; *a && *b; ++a, ++b) {
        char ca = *a >= 'A' && *a <= 'Z' ? static_cast<char>(*a + ('a' - 'A')) : *a;
        char cb = *b >= 'A' && *b <= 'Z' ? static_cast<char>(*b + ('a' - 'A')) : *b;
        if (ca != cb)
            return ca - cb;
    }
    return *a ? 1 : *b ? -1 : 0;
}
#endif

config_generic *find_setting(const char *name) {
#if PG_VERSION_NUM >= 160000
    return find_option(name, false, true, ERROR);
#else
    // find_option is static before 16: the same binary search over the sorted array (looked up
    // each time: adding a custom setting reallocates it).
    config_generic **settings = get_guc_variables();
    int low = 0, high = GetNumConfigOptions() - 1;
    while (low <= high) {
        int middle = low + (high - low) / 2;
        int order = setting_name_compare(name, settings[middle]->name);
        if (order == 0)
            return settings[middle];
        if (order < 0)
            high = middle - 1;
        else
            low = middle + 1;
    }
    return nullptr;
#endif
}

// The setting's stack holds an entry for each (sub)transaction level that changed it, popped at
// that level's end: any entry means the current value was set in the current transaction.
// Without one, a value whose source is PGC_S_SESSION is what a plain SET of an earlier
// transaction left behind (a SET LOCAL is undone at its transaction's end, with its source).
SettingOrigin setting_origin(const char *name) {
    const config_generic *setting = find_setting(name);
    if (setting == nullptr)
        return SettingOrigin::unset;
    if (setting->stack != nullptr)
        return SettingOrigin::this_transaction;
    return setting->source == PGC_S_SESSION ? SettingOrigin::earlier_transaction : SettingOrigin::login;
}

// The role the writing transaction acts as (SET ROLE, PostgREST's role switch), which no
// SECURITY DEFINER function in between changes: current_user would always be the extension's
// owner. A role left by a plain SET ROLE of an earlier transaction is not this transaction's:
// the actor is then the session's user, which behind a pooler is the pooler's login role (and a
// SET SESSION AUTHORIZATION of an earlier transaction falls back to the authenticated user).
Oid acting_role() {
    Oid role = GetOuterUserId();
    if (setting_origin("role") == SettingOrigin::earlier_transaction)
        role = GetSessionUserId();
    if (role == GetSessionUserId() && setting_origin("session_authorization") == SettingOrigin::earlier_transaction)
        role = GetAuthenticatedUserId();
    return role;
}

void jwt_claims_context(void *) {
    errcontext("reading the setting request.jwt.claims for the claims history");
}

// The JWT's "role" when request.jwt.claims was set in the writing transaction (PostgREST sets it
// with set_config(..., true) for each request), else nullptr: a value a plain SET of an earlier
// transaction left on the session, which behind a pooler may be another client's, is not read.
text *jwt_role() {
    if (setting_origin("request.jwt.claims") != SettingOrigin::this_transaction)
        return nullptr;
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

}  // namespace

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
    history_direct_writer_register_invalidation();
}

namespace {

// Who wrote and through which path: the columns source, event_id, app_table, actor and jwt_role
// of an entry, in that order (nullptr: NULL), from the source the write pushed and the session.
struct Writer {
    static constexpr int kColumns = 5;
    text *columns[kColumns];
};

Writer current_writer() {
    const HistorySource *source = current_source;
    return {{cstring_to_text(source ? source->source : "sql"), source ? source->event_id : nullptr,
             source && OidIsValid(source->app_table) ? app_table_name(source->app_table) : nullptr,
             role_name(acting_role()), jwt_role()}};
}

// Runs one of the history's INSERT statements (SPI nulls: 'n' for NULL). As the tables' owner:
// the writer may be any role the owner let write the table it wrote; the history is the owner's.
void insert_as_owner(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values,
                     const char *nulls) {
    Oid owner = profiles_owner();
    spi_connect();
    SPIPlanPtr plan = saved_plan(cache, sql, nargs, types);
    UserSwitch saved = switch_user(owner);
    spi_execute(plan, values, nulls, SPI_OK_INSERT, "claims history insert");
    switch_back(saved);
    SPI_finish();
}

}  // namespace

void history_record(text *kinde_id, const ProfileRow &before, const ProfileRow &after) {
    // A COPY into kinde_claims.profiles itself is what pg_restore runs: the rows come back with
    // their history, which the dump carries too. A COPY into an app table whose trigger writes
    // profiles is a change like any other.
    if (copy_from_into(profiles_catalog().profiles))
        return;
    Oid relid = history_table_oid();
    if (!OidIsValid(relid))
        return;
    // In the order of kInsertSql's parameters: kinde_id, the writer's columns, the two tokens.
    constexpr int kCount = 1 + Writer::kColumns + 2;
    Writer writer = current_writer();
    Datum context[kCount];
    bool context_null[kCount];
    context[0] = PointerGetDatum(kinde_id);
    context_null[0] = false;
    for (int i = 0; i < Writer::kColumns; ++i) {
        context[1 + i] = PointerGetDatum(writer.columns[i]);
        context_null[1 + i] = writer.columns[i] == nullptr;
    }
    context[kCount - 2] = JsonbPGetDatum(token_claims_build(before.lifetime_subscriber, before.claims));
    context[kCount - 1] = JsonbPGetDatum(token_claims_build(after.lifetime_subscriber, after.claims));
    context_null[kCount - 2] = context_null[kCount - 1] = false;

    if (history_insert_direct(relid, context, context_null))
        return;
    Oid types[kCount] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID};
    char nulls[kCount];
    for (int i = 0; i < kCount; ++i)
        nulls[i] = context_null[i] ? 'n' : ' ';
    insert_as_owner(&insert_plan, kInsertSql, kCount, types, context, nulls);
}

void history_record_query(Oid written_table, SPIPlanPtr *cache, const char *sql, int nargs, Oid *types,
                          Datum *values, const char *nulls) {
    // Not for pg_restore's COPY into the written table itself (see history_record).
    if (copy_from_into(written_table) || !OidIsValid(history_table_oid()))
        return;
    constexpr int kContext = Writer::kColumns;
    Writer writer = current_writer();
    Oid all_types[kContext + 8];
    Datum all_values[kContext + 8];
    char all_nulls[kContext + 8];
    for (int i = 0; i < kContext; ++i) {
        all_types[i] = TEXTOID;
        all_values[i] = PointerGetDatum(writer.columns[i]);
        all_nulls[i] = writer.columns[i] ? ' ' : 'n';
    }
    Assert(nargs <= 8);
    for (int i = 0; i < nargs; ++i) {
        all_types[kContext + i] = types[i];
        all_values[kContext + i] = values[i];
        all_nulls[kContext + i] = nulls[i];
    }
    insert_as_owner(cache, sql, kContext + nargs, all_types, all_values, all_nulls);
}

}  // namespace kinde_claims
