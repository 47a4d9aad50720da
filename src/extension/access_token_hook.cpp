// kinde_claims_access_token_hook(event jsonb) RETURNS jsonb: Supabase Auth's custom access token
// hook (docs/supabase-auth.md). Supabase Auth calls it as supabase_auth_admin, inside the
// transaction that writes the session, under a fixed 2 s statement_timeout, on every sign-in and
// every refresh (FACTS.md §10-§11). It finds the user's Kinde id in auth.identities (the
// provider_id of the user's identity of the configured provider; never user_metadata, which users
// write, §12), adds what kinde_claims_for answers for it (profile_token_claims, the same code) as
// top-level claims, and never lets a stored claim replace one Supabase sets or requires
// (rules::kSupabaseTokenClaims, or any name already in the token): those are left out and
// reported. It never writes.
//
// No failure may escape: Auth fails the sign-in with 500 on any SQL error (§10). A failure (no
// auth schema, an ambiguous or invalid identity, a malformed user id, a lock held past the
// function's lock_timeout, the statement timeout) is reported with a WARNING and answered per
// kinde_claims.supabase_hook_on_error: 'open' returns the event as it came, 'closed'
// Auth's error object {"error": {"http_code", "message"}}.
//
// Two paths, one lookup. The fast path runs the lookup without a subtransaction and without
// waiting: every lock is asked for conditionally, the user id is read only in its canonical form,
// and any condition that would raise an error or wait hands the call to the guarded path, which
// runs the same lookup in a subtransaction, where it may wait up to lock_timeout and raise, and
// the error is caught, rolled back and reported. A sign-in of a Kinde user costs one probe of
// auth.identities more than kinde_claims_for (bench/supabase-hook); the subtransaction is paid
// only when something is wrong. What the fast path can still raise is the database failing
// itself (out of memory, an I/O error), which fails Auth's own statements as well. The guarded
// path alone sets lock_timeout, so a call that needs neither pays for no setting either.
#include "kinde_claims.hpp"
#include "transaction_local.hpp"

#include <cstring>
#include <string>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/uuid.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kDefaultProvider = rules::kDefaultSupabaseProvider.data();
// How long the guarded path waits for a lock, in milliseconds (docs/supabase-auth.md).
constexpr const char *kLockTimeoutMs = "500";

// auth.identities: resolved by name once, kept until the relcache invalidates the table or the
// index (a new index invalidates the table too). Never cached while it does not exist.
struct IdentitiesCatalog {
    Oid table;
    Oid user_index;  // a valid btree whose first column is user_id, no predicate; InvalidOid: none
    AttrNumber user_id;
    AttrNumber provider;
    AttrNumber provider_id;
};
IdentitiesCatalog identities_cached;

bool same_identities(const IdentitiesCatalog &a, const IdentitiesCatalog &b) {
    return a.table == b.table && a.user_index == b.user_index && a.user_id == b.user_id && a.provider == b.provider &&
           a.provider_id == b.provider_id;
}
bool identities_valid = false;

void forget_identities(Datum, Oid relid) {
    if (relid == InvalidOid || relid == identities_cached.table || relid == identities_cached.user_index)
        identities_valid = false;
}

// Locks `relid` for reading: waiting (up to lock_timeout) when guarded, otherwise only when the
// lock is free now.
bool lock_for_reading(Oid relid, bool guarded) {
    if (guarded) {
        LockRelationOid(relid, AccessShareLock);
        return true;
    }
    return ConditionalLockRelationOid(relid, AccessShareLock);
}

// The relations the fast path last locked, for the (sub)transaction that locked them: the locks
// stay until that transaction ends or that subtransaction rolls back, so while it is set and the
// relations match, a call asks the lock manager nothing (as kinde_claims_for's HeldLocks).
struct FastPathLocks {
    Oid relations[4];
};
TransactionLocal<FastPathLocks> fast_path_locks;

// Locks the four relations a lookup reads (InvalidOid: none), as lock_for_reading does.
bool lock_all_for_reading(const Oid (&relations)[4], bool guarded) {
    const FastPathLocks *held = guarded ? nullptr : fast_path_locks.get();
    if (held && memcmp(held->relations, relations, sizeof relations) == 0)
        return true;
    for (Oid relid : relations)
        if (OidIsValid(relid) && !lock_for_reading(relid, guarded))
            return false;
    if (!guarded) {
        FastPathLocks locked;
        memcpy(locked.relations, relations, sizeof relations);
        fast_path_locks.set(locked);
    }
    return true;
}

// Whether index `index_oid` of auth.identities can find a user's rows: a valid btree with no
// predicate whose first column is `user_column`. Read from the syscache, without opening (or
// locking) the index, so choosing one never waits on a REINDEX.
bool user_index_fits(Oid index_oid, AttrNumber user_column) {
    if (get_rel_relkind(index_oid) != RELKIND_INDEX)
        return false;
    HeapTuple relation = SearchSysCache1(RELOID, ObjectIdGetDatum(index_oid));
    if (!HeapTupleIsValid(relation))
        return false;
    bool btree = reinterpret_cast<Form_pg_class>(GETSTRUCT(relation))->relam == BTREE_AM_OID;
    ReleaseSysCache(relation);
    HeapTuple index = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
    if (!HeapTupleIsValid(index))
        return false;
    auto *form = reinterpret_cast<Form_pg_index>(GETSTRUCT(index));
    bool fits = btree && form->indisvalid && form->indnkeyatts >= 1 && form->indkey.values[0] == user_column &&
                heap_attisnull(index, Anum_pg_index_indpred, nullptr) &&
                heap_attisnull(index, Anum_pg_index_indexprs, nullptr);
    ReleaseSysCache(index);
    return fits;
}

// Where auth.identities is: false when it does not exist, is not a plain table (a view or a
// partitioned table has no storage to scan), lacks the columns, or cannot be locked now (raised
// when guarded).
bool identities_catalog(bool guarded, IdentitiesCatalog *out) {
    if (identities_valid) {
        *out = identities_cached;
        return true;
    }
    Oid auth = get_namespace_oid("auth", true);
    Oid relid = OidIsValid(auth) ? get_relname_relid("identities", auth) : InvalidOid;
    if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION) {
        if (guarded)
            ereport(ERROR, (errcode(OidIsValid(relid) ? ERRCODE_WRONG_OBJECT_TYPE : ERRCODE_UNDEFINED_TABLE),
                            errmsg(OidIsValid(relid) ? "auth.identities is not a table"
                                                     : "relation \"auth.identities\" does not exist")));
        return false;
    }
    if (!lock_for_reading(relid, guarded))
        return false;
    IdentitiesCatalog fresh{relid, InvalidOid, InvalidAttrNumber, InvalidAttrNumber, InvalidAttrNumber};
    Relation table = table_open(relid, NoLock);
    TupleDesc desc = RelationGetDescr(table);
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(desc, i);
        if (attribute->attisdropped)
            continue;
        const char *name = NameStr(attribute->attname);
        if (strcmp(name, "user_id") == 0 && attribute->atttypid == UUIDOID)
            fresh.user_id = attribute->attnum;
        else if (strcmp(name, "provider") == 0 && attribute->atttypid == TEXTOID)
            fresh.provider = attribute->attnum;
        else if (strcmp(name, "provider_id") == 0 && attribute->atttypid == TEXTOID)
            fresh.provider_id = attribute->attnum;
    }
    bool columns = fresh.user_id != InvalidAttrNumber && fresh.provider != InvalidAttrNumber &&
                   fresh.provider_id != InvalidAttrNumber;
    if (columns) {
        List *indexes = RelationGetIndexList(table);
        ListCell *cell;
        foreach (cell, indexes) {
            if (user_index_fits(lfirst_oid(cell), fresh.user_id)) {
                fresh.user_index = lfirst_oid(cell);
                break;
            }
        }
        list_free(indexes);
    }
    table_close(table, NoLock);
    if (!columns) {
        if (guarded)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("auth.identities has no uuid user_id, text provider and text provider_id columns")));
        return false;
    }
    identities_cached = fresh;
    identities_valid = true;
    *out = fresh;
    return true;
}

// The user id as log lines show it: quoted, cut, every byte outside printable ASCII escaped
// (rules::quote_for_message), so a message converts to any client encoding. "missing" for none.
char *loggable_user_id(const char *user_id) {
    if (user_id == nullptr)
        return pstrdup("missing");
    char *quoted;
    {
        std::string text = rules::quote_for_message(user_id);
        quoted = pnstrdup(text.data(), text.size());
    }
    return quoted;
}

bool printable_ascii(const char *text) {
    for (const char *c = text; *c != '\0'; ++c)
        if (static_cast<unsigned char>(*c) < 0x20 || static_cast<unsigned char>(*c) > 0x7e)
            return false;
    return true;
}

struct HookSettings {
    const char *identity_provider;
    bool closed;
};

HookSettings current_settings() {
    return {supabase_identity_provider ? supabase_identity_provider : kDefaultProvider,
            supabase_hook_on_error == kHookOnErrorClosed};
}

// The canonical text form of a uuid (8-4-4-4-12 hexadecimal digits), which Supabase Auth sends,
// read into `out`; false for anything else, which the guarded path hands to uuid_in (it reads the
// other forms Postgres accepts, or refuses the text with 22P02). Read here rather than by uuid_in
// because uuid_in costs a tenth of a sign-in's lookup (callgrind, bench/supabase-hook).
bool canonical_uuid(const char *text, pg_uuid_t *out) {
    if (strlen(text) != 36)
        return false;
    int byte = 0;
    for (int i = 0; i < 36; i += 2) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return false;
            ++i;
        }
        int high = rules::hex_digit_value(text[i]), low = rules::hex_digit_value(text[i + 1]);
        if (high < 0 || low < 0)
            return false;
        out->data[byte++] = static_cast<unsigned char>(high << 4 | low);
    }
    return byte == UUID_LEN;
}

// The user's identities of `provider`: how many, and the smallest provider_id.
int identities_of(const IdentitiesCatalog &catalog, pg_uuid_t *user, const char *provider, text **kinde_id) {
    Relation table = table_open(catalog.table, NoLock);
    TupleDesc desc = RelationGetDescr(table);
    ScanKeyData key;
    ScanKeyInit(&key, catalog.user_id, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(user));
    SysScanDesc scan = systable_beginscan(table, catalog.user_index, OidIsValid(catalog.user_index),
                                          GetActiveSnapshot(), 1, &key);
    int found = 0;
    *kinde_id = nullptr;
    const std::string_view wanted(provider);
    while (HeapTuple row = systable_getnext(scan)) {
        bool isnull;
        Datum value = heap_getattr(row, catalog.provider, desc, &isnull);
        if (isnull || text_view(DatumGetTextPP(value)) != wanted)
            continue;
        Datum id = heap_getattr(row, catalog.provider_id, desc, &isnull);
        if (isnull)
            continue;
        text *provider_id = DatumGetTextPCopy(id);
        if (*kinde_id == nullptr || text_view(provider_id) < text_view(*kinde_id))
            *kinde_id = provider_id;
        ++found;
    }
    systable_endscan(scan);
    table_close(table, NoLock);
    return found;
}

// kinde_claims_for's rule for a Kinde id (rules::check_kinde_id), raised as its error. The C++
// strings live only inside the block: the error is raised after they are gone.
void kinde_id_require(text *kinde_id) {
    char *message = nullptr, *hint = nullptr;
    {
        auto violation = rules::check_kinde_id(text_view(kinde_id));
        if (violation) {
            message = pstrdup(violation->message.c_str());
            hint = pstrdup(violation->detail.c_str());
        }
    }
    if (message != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message), errhint("%s", hint)));
}

// profile_token_claims, with a C++ exception turned into a Postgres error where it is thrown:
// in the guarded path this runs inside PG_TRY, which no exception may unwind through.
Jsonb *stored_claims(text *kinde_id) {
    pg::PendingError pending;
    bool failed = false;
    Jsonb *claims = nullptr;
    try {
        claims = profile_token_claims(kinde_id);
    } catch (...) {
        pending = pg::capture_current_exception();
        failed = true;
    }
    if (failed)
        pg::raise(pending);
    return claims;
}

int compare_names(const void *a, const void *b) {
    return strcmp(*static_cast<char *const *>(a), *static_cast<char *const *>(b));
}

// The event with its claims merged with the stored ones: Supabase's claims, then every stored
// claim whose name Supabase neither keeps for itself nor already put in the token (those are
// left out and reported). Written straight into Jsonb's binary format; nullptr when
// the result would pass jsonb's size limit.
Jsonb *event_with_stored(Jsonb *event, const JsonbContainer *claims, Jsonb *stored, text *kinde_id,
                         const char *user_id) {
    const uint32 own = JsonContainerSize(claims), extra = JsonContainerSize(&stored->root);
    auto *ours = static_cast<ObjectChild *>(palloc(sizeof(ObjectChild) * (own + 1)));
    auto *theirs = static_cast<ObjectChild *>(palloc(sizeof(ObjectChild) * (extra + 1)));
    auto *merged = static_cast<ObjectChild *>(palloc(sizeof(ObjectChild) * (own + extra + 1)));
    auto **skipped = static_cast<char **>(palloc(sizeof(char *) * (extra + 1)));
    object_children(reinterpret_cast<const char *>(event), claims, ours);
    object_children(reinterpret_cast<const char *>(stored), &stored->root, theirs);

    // Both lists are in key order: merge them, leaving out stored names that are taken.
    uint32 i = 0, j = 0, count = 0;
    int nskipped = 0;
    while (i < own || j < extra) {
        int order = i == own ? 1 : j == extra ? -1 : jsonb_key_order(ours[i].key, theirs[j].key);
        if (order < 0) {
            merged[count++] = ours[i++];
            continue;
        }
        if (order == 0 || rules::is_supabase_token_claim(theirs[j].key)) {
            skipped[nskipped++] = pnstrdup(theirs[j].key.data(), theirs[j].key.size());
            ++j;
            continue;
        }
        merged[count++] = theirs[j++];
    }
    if (nskipped > 0) {
        qsort(skipped, nskipped, sizeof(char *), compare_names);
        StringInfoData list;
        initStringInfo(&list);
        for (int k = 0; k < nskipped; ++k)
            appendStringInfo(&list, "%s%s", k > 0 ? ", " : "", skipped[k]);
        ereport(WARNING,
                (errmsg("kinde_claims_access_token_hook: left out stored claims named like Supabase's own or already in "
                        "the token: %s", list.data),
                 errdetail("Kinde user %s (Supabase user %s).", text_to_cstring(kinde_id), loggable_user_id(user_id)),
                 errhint("Supabase Auth sets or requires these names; store such a claim under another name "
                         "(for example app_role for role).")));
    }
    Jsonb *new_claims = object_from_children(merged, count);

    // The event with "claims" replaced by the merged object.
    const uint32 top = JsonContainerSize(&event->root);
    auto *event_children = static_cast<ObjectChild *>(palloc(sizeof(ObjectChild) * (top + 1)));
    object_children(reinterpret_cast<const char *>(event), &event->root, event_children);
    Jsonb *result = nullptr;
    if (new_claims != nullptr) {
        for (uint32 k = 0; k < top; ++k)
            if (event_children[k].key == "claims") {
                event_children[k].type = JENTRY_ISCONTAINER;
                event_children[k].value = reinterpret_cast<const char *>(&new_claims->root);
                event_children[k].value_size = VARSIZE(new_claims) - VARHDRSZ;
            }
        result = object_from_children(event_children, top);
    }
    return result;  // nullptr: past jsonb's size limit
}

enum class Step { done, guarded };

// The lookup both paths run. Unguarded, it neither waits nor raises on a condition it can see:
// it answers Step::guarded and the call is run again guarded, where the condition raises.
Step lookup(Jsonb *event, const JsonbContainer *claims, const char *user_id, const HookSettings &settings,
            bool guarded, Jsonb **result) {
    if (user_id == nullptr) {
        *result = event;  // no user: no Kinde identity
        return Step::done;
    }
    pg_uuid_t parsed;
    pg_uuid_t *user = &parsed;
    if (!canonical_uuid(user_id, &parsed)) {
        if (!guarded)
            return Step::guarded;
        // uuid_in's message would quote the text as it is; no uuid holds anything but ASCII.
        if (!printable_ascii(user_id))
            ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                            errmsg("invalid input syntax for type uuid: %s", loggable_user_id(user_id))));
        user = DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(user_id)));
    }
    // Resolved, then locked; a lock taken now processes pending invalidations, so what was
    // resolved is checked again after it (a concurrent DROP or REINDEX CONCURRENTLY changes the
    // OIDs): the fast path hands the call on, the guarded path resolves again.
    IdentitiesCatalog catalog;
    for (int attempt = 0;; ++attempt) {
        if (!identities_catalog(guarded, &catalog))
            return Step::guarded;
        const ProfilesCatalog profiles = profiles_catalog();
        const Oid relations[4] = {catalog.table, catalog.user_index, profiles.profiles, profiles.kinde_id_index};
        if (!lock_all_for_reading(relations, guarded))
            return Step::guarded;
        const ProfilesCatalog &now = profiles_catalog();
        if (identities_valid && same_identities(identities_cached, catalog) && now.profiles == profiles.profiles &&
            now.kinde_id_index == profiles.kinde_id_index)
            break;
        if (!guarded)
            return Step::guarded;
        if (attempt >= 3)
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("auth.identities or kinde_claims.profiles changed while the hook read them")));
    }
    text *kinde_id = nullptr;
    int identities = identities_of(catalog, user, settings.identity_provider, &kinde_id);
    if (identities == 0) {
        *result = event;  // not a Kinde user (a password sign-up, another provider): unchanged
        return Step::done;
    }
    if (identities > 1 || !rules::is_valid_kinde_id(text_view(kinde_id))) {
        if (!guarded)
            return Step::guarded;
        if (identities > 1)
            ereport(ERROR, (errcode(ERRCODE_CARDINALITY_VIOLATION),
                            errmsg("user %s has %d identities of provider %s: which one's claims is ambiguous",
                                   loggable_user_id(user_id), identities, settings.identity_provider)));
        kinde_id_require(kinde_id);
    }
    Jsonb *stored = guarded ? stored_claims(kinde_id) : profile_token_claims(kinde_id);
    // Only writes that skip the profile's triggers (session_replication_role = replica) can
    // store claims that are not an object.
    if (!JB_ROOT_IS_OBJECT(stored)) {
        if (!guarded)
            return Step::guarded;
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("the stored claims of Kinde user %s are not a JSON object", text_to_cstring(kinde_id))));
    }
    *result = event_with_stored(event, claims, stored, kinde_id, user_id);
    if (*result == nullptr) {
        if (!guarded)
            return Step::guarded;
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("the token's claims are too large for jsonb")));
    }
    return Step::done;
}

Jsonb *error_object(int http_code, const char *message) {
    return DatumGetJsonbP(DirectFunctionCall1(
        jsonb_in, CStringGetDatum(psprintf("{\"error\": {\"http_code\": %d, \"message\": \"%s\"}}", http_code, message))));
}

// The guarded path: the lookup in a subtransaction; a failure is rolled back, reported and
// answered as the settings say.
Jsonb *lookup_guarded(Jsonb *event, const JsonbContainer *claims, const char *user_id) {
    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;
    volatile bool closed = false;
    Jsonb *volatile answer = nullptr;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller_context);
    PG_TRY();
    {
        // Until the subtransaction ends (GUC_ACTION_SAVE): a lock wait (VACUUM FULL, DDL) fails
        // well inside Auth's 2 s statement_timeout, and the failure is answered.
        set_config_option("lock_timeout", kLockTimeoutMs, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                          false);
        HookSettings settings = current_settings();
        closed = settings.closed;
        Jsonb *result = nullptr;
        if (lookup(event, claims, user_id, settings, true, &result) != Step::done || result == nullptr)
            elog(ERROR, "kinde_claims_access_token_hook: the guarded lookup did not finish");
        answer = result;
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
        // Copied: unpack_sql_state answers a static buffer, which the WARNING's own report reuses.
        char state[6];
        strlcpy(state, unpack_sql_state(error->sqlerrcode), sizeof state);
        if (closed) {
            ereport(WARNING, (errmsg("kinde_claims_access_token_hook: refused the token: %s (SQLSTATE %s)", error->message,
                                     state),
                              errdetail("user_id %s", loggable_user_id(user_id))));
            // 503 where trying again later can succeed (a lock, a timeout, a restart), 500 otherwise.
            int code = 500;
            for (const char *retryable : {"08", "40", "53", "55", "57"})
                if (strncmp(state, retryable, 2) == 0)
                    code = 503;
            answer = error_object(code, "kinde_claims: the token's claims could not be read");
        } else {
            ereport(WARNING,
                    (errmsg("kinde_claims_access_token_hook: the token keeps Supabase's claims only: %s (SQLSTATE %s)",
                            error->message, state),
                     errdetail("user_id %s", loggable_user_id(user_id)),
                     errhint("kinde_claims.supabase_hook_on_error is open; set it to closed to refuse such tokens "
                             "instead.")));
            answer = event;
        }
        FreeErrorData(error);
    }
    PG_END_TRY();
    return answer;
}

// The user_id of the event as a C string; nullptr when missing or JSON null.
char *event_user_id(Jsonb *event) {
    JsonbValue value;
    if (getKeyJsonValueFromContainer(&event->root, "user_id", 7, &value) == nullptr || value.type == jbvNull)
        return nullptr;
    // At most 64 bytes: longer is no uuid either way, and the text goes into log lines.
    if (value.type == jbvString)
        return pnstrdup(value.val.string.val, pg_mbcliplen(value.val.string.val, value.val.string.len, 64));
    // A number, boolean, array or object is no uuid: uuid_in refuses this (22P02) when guarded.
    return pstrdup("(not a string)");
}

}  // namespace

void access_token_hook_register_invalidation() {
    CacheRegisterRelcacheCallback(forget_identities, 0);
}

}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_access_token_hook) {
    using namespace kinde_claims;
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    Jsonb *event = PG_GETARG_JSONB_P(0);
    JsonbValue claims;
    bool has_claims = JB_ROOT_IS_OBJECT(event) &&
                      getKeyJsonValueFromContainer(&event->root, "claims", 6, &claims) != nullptr &&
                      claims.type == jbvBinary && JsonContainerIsObject(claims.val.binary.data);
    char *user_id = JB_ROOT_IS_OBJECT(event) ? event_user_id(event) : nullptr;
    if (!has_claims) {
        ereport(WARNING, (errmsg("kinde_claims_access_token_hook: the event has no claims object; refusing the token"),
                          errdetail("user_id %s", loggable_user_id(user_id))));
        PG_RETURN_JSONB_P(error_object(500, "kinde_claims: the hook event has no claims object"));
    }
    Jsonb *result = nullptr;
    if (lookup(event, claims.val.binary.data, user_id, current_settings(), false, &result) == Step::done)
        PG_RETURN_JSONB_P(result);
    PG_RETURN_JSONB_P(lookup_guarded(event, claims.val.binary.data, user_id));
}
