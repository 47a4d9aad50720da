// A projection trigger's arguments (kinde_profile_upsert_trigger('kinde_user_id',
// 'lifetime_subscriber', 'plan=plan_code'), and the same for kinde_organization_upsert_trigger
// with the org-code column first), parsed once per trigger against its table and kept until the
// relcache invalidates the table. See projection_trigger.hpp for the other phases.
#include "projection_trigger.hpp"

#include <cstring>
#include <string>
#include <string_view>

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace kinde_claims {

namespace {

constexpr const char *kProfileArgumentsHint =
    "The arguments are the user-id column, then one per claim: claim=column, or a column named "
    "like its claim.";
constexpr const char *kOrganizationArgumentsHint =
    "The arguments are the org-code column, then one per claim: claim=column, or a column named "
    "like its claim.";
constexpr const char *kSupportedTypes =
    "A claim column must be boolean, text, varchar, smallint, integer, bigint, numeric, jsonb or "
    "timestamptz, or a domain over one of them.";

struct UpsertTriggerEntry {
    Oid trigger;  // hash key
    Oid relation;
    bool valid;
    UpsertTriggerArgs *args;
};

HTAB *upsert_triggers;

}  // namespace

char *trigger_prefix(TriggerData *data) {
    Relation rel = data->tg_relation;
    const char *table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                                   RelationGetRelationName(rel));
    return psprintf("trigger \"%s\" on %s: ", data->tg_trigger->tgname, table);
}

[[noreturn]] void trigger_error(TriggerData *data, int sqlstate, const char *message,
                                const char *detail, const char *hint) {
    char *prefixed = psprintf("%s%s", trigger_prefix(data), message);
    throw pg::Error(sqlstate, prefixed, detail ? detail : "", hint ? hint : "");
}

[[noreturn]] void trigger_violation(const char *prefix, const rules::Violation &violation,
                                    const char *suffix) {
    throw pg::Error(pg::Error::sqlstate_from_text(violation.sqlstate), prefix + violation.message + suffix,
                    violation.detail, violation.hint);
}

namespace {

bool claim_type_of(Oid type, ClaimType *claim_type) {
    switch (getBaseType(type)) {
    case BOOLOID:
        *claim_type = ClaimType::boolean;
        return true;
    case TEXTOID:
    case VARCHAROID:
        *claim_type = ClaimType::text;
        return true;
    case INT2OID:
        *claim_type = ClaimType::int2;
        return true;
    case INT4OID:
        *claim_type = ClaimType::int4;
        return true;
    case INT8OID:
        *claim_type = ClaimType::int8;
        return true;
    case NUMERICOID:
        *claim_type = ClaimType::numeric;
        return true;
    case JSONBOID:
        *claim_type = ClaimType::jsonb;
        return true;
    case TIMESTAMPTZOID:
        *claim_type = ClaimType::timestamptz;
        return true;
    default:
        return false;
    }
}

// The column named exactly `name` (no case folding: trigger arguments are plain strings).
Form_pg_attribute find_column(TriggerData *data, const char *name, const char *hint) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(desc, i);
        if (!attribute->attisdropped && strcmp(NameStr(attribute->attname), name) == 0)
            return attribute;
    }
    trigger_error(data, ERRCODE_UNDEFINED_COLUMN, psprintf("column \"%s\" does not exist", name), nullptr,
                  hint);
}

char *context_strndup(MemoryContext context, const char *text, std::size_t length) {
    auto *copy = static_cast<char *>(MemoryContextAlloc(context, length + 1));
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

// Parses and checks the trigger's arguments. Everything is allocated in a new memory context
// under the current one, so a refused trigger leaves nothing behind.
UpsertTriggerArgs *upsert_trigger_parse(TriggerData *data, Target target) {
    const Trigger *trigger = data->tg_trigger;
    bool organization = target == Target::organization;
    const char *key_name = organization ? "org-code" : "user-id";
    const char *hint = organization ? kOrganizationArgumentsHint : kProfileArgumentsHint;
    if (trigger->tgnargs < 2)
        trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                      psprintf("%s needs the %s column and at least one claim",
                               organization ? kOrganizationTriggerName : kProfileTriggerName, key_name),
                      nullptr, hint);

    MemoryContext context = AllocSetContextCreate(
        CurrentMemoryContext, "kinde_profile_upsert_trigger arguments", ALLOCSET_SMALL_SIZES);
    auto *args = static_cast<UpsertTriggerArgs *>(MemoryContextAllocZero(context, sizeof(UpsertTriggerArgs)));
    args->context = context;
    args->target = target;
    args->claims =
        static_cast<ClaimColumn *>(MemoryContextAllocZero(context, sizeof(ClaimColumn) * trigger->tgnargs));

    Form_pg_attribute id_column = find_column(data, trigger->tgargs[0], hint);
    Oid id_type = getBaseType(id_column->atttypid);
    if (id_type != TEXTOID && id_type != VARCHAROID)
        trigger_error(data, ERRCODE_DATATYPE_MISMATCH,
                      psprintf("%s column \"%s\" has type %s, not text", key_name, trigger->tgargs[0],
                               format_type_be(id_column->atttypid)),
                      organization ? "Kinde org codes are text: the org-code column must be text or varchar."
                                   : "Kinde user ids are text: the user-id column must be text or varchar.",
                      hint);
    args->key = id_column->attnum;
    args->key_column = MemoryContextStrdup(context, trigger->tgargs[0]);

    for (int i = 1; i < trigger->tgnargs; ++i) {
        const char *argument = trigger->tgargs[i];
        const char *equals = strchr(argument, '=');
        const char *claim = equals ? context_strndup(context, argument, equals - argument) : argument;
        const char *column = equals ? equals + 1 : argument;
        if (claim[0] == '\0' || column[0] == '\0' || strchr(column, '='))
            trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                          psprintf("argument \"%s\" is not a claim mapping", argument),
                          "Each argument after the first is claim=column, or a column named like its claim.",
                          hint);

        bool is_lifetime_subscriber = rules::kLifetimeSubscriber == claim;
        if (!is_lifetime_subscriber && rules::check_claim_name(claim)) {
            char *prefix = trigger_prefix(data);
            trigger_violation(prefix, *rules::check_claim_name(claim));
        }
        bool mapped_twice = is_lifetime_subscriber && args->lifetime_subscriber != InvalidAttrNumber;
        for (int j = 0; j < args->nclaims && !mapped_twice; ++j)
            mapped_twice = strcmp(args->claims[j].claim, claim) == 0;
        if (mapped_twice)
            trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                          psprintf("claim \"%s\" is mapped twice", claim), nullptr, hint);

        Form_pg_attribute attribute = find_column(data, column, hint);
        ClaimType type;
        if (!claim_type_of(attribute->atttypid, &type))
            trigger_error(data, ERRCODE_DATATYPE_MISMATCH,
                          psprintf("column \"%s\" has type %s, which no claim can carry", column,
                                   format_type_be(attribute->atttypid)),
                          kSupportedTypes);
        if (is_lifetime_subscriber) {
            if (organization)
                trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                              psprintf("lifetime_subscriber cannot come from an organization's table"),
                              "lifetime_subscriber is always the user's own.", hint);
            if (type != ClaimType::boolean)
                trigger_error(
                    data, ERRCODE_DATATYPE_MISMATCH,
                    psprintf("lifetime_subscriber must come from a boolean column, not \"%s\" of type %s",
                             column, format_type_be(attribute->atttypid)));
            args->lifetime_subscriber = attribute->attnum;
            continue;
        }
        ClaimColumn &mapped = args->claims[args->nclaims++];
        mapped.claim = MemoryContextStrdup(context, claim);
        mapped.column = MemoryContextStrdup(context, column);
        mapped.attnum = attribute->attnum;
        mapped.type = type;
        mapped.byval = attribute->attbyval;
        mapped.typlen = attribute->attlen;
    }
    args->prefix = MemoryContextStrdup(context, trigger_prefix(data));

    MemoryContext caller_context = MemoryContextSwitchTo(context);
    Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (args->nclaims + 1)));
    for (int i = 0; i < args->nclaims; ++i)
        keys[i] = CStringGetTextDatum(args->claims[i].claim);
    args->claim_keys =
        PointerGetDatum(construct_array(keys, args->nclaims, TEXTOID, -1, false, TYPALIGN_INT));
    MemoryContextSwitchTo(caller_context);
    return args;
}

void upsert_trigger_forget(Datum, Oid relid) {
    if (!upsert_triggers)
        return;
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, upsert_triggers);
    while (auto *entry = static_cast<UpsertTriggerEntry *>(hash_seq_search(&status)))
        if (relid == InvalidOid || entry->relation == relid)
            entry->valid = false;
}

}  // namespace

// The parsed arguments of the trigger being fired, parsed on its first row after any change to
// its table. Stale entries are only marked by the callback and freed here, never mid-use.
const UpsertTriggerArgs &upsert_trigger_args_for(TriggerData *data, Target target) {
    if (!upsert_triggers) {
        HASHCTL control{};
        control.keysize = sizeof(Oid);
        control.entrysize = sizeof(UpsertTriggerEntry);
        upsert_triggers =
            hash_create("kinde_profile_upsert_trigger arguments cache", 16, &control, HASH_ELEM | HASH_BLOBS);
    }
    Oid trigger = data->tg_trigger->tgoid;
    bool found;
    auto *entry =
        static_cast<UpsertTriggerEntry *>(hash_search(upsert_triggers, &trigger, HASH_ENTER, &found));
    if (!found) {
        // Set before parsing: a parse error leaves the entry behind, and upsert_trigger_forget reads it.
        entry->relation = RelationGetRelid(data->tg_relation);
        entry->valid = false;
        entry->args = nullptr;
    }
    if (entry->valid)
        return *entry->args;
    if (entry->args) {
        MemoryContextDelete(entry->args->context);
        entry->args = nullptr;
    }
    UpsertTriggerArgs *fresh = upsert_trigger_parse(data, target);
    MemoryContextSetParent(fresh->context, CacheMemoryContext);
    entry->relation = RelationGetRelid(data->tg_relation);
    entry->args = fresh;
    entry->valid = true;
    return *fresh;
}

void upsert_trigger_register_invalidation() {
    CacheRegisterRelcacheCallback(upsert_trigger_forget, 0);
}

}  // namespace kinde_claims
