// The object a token carries, built the same way by every function that returns it, and how
// two claims objects compare.
#include "token.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
}

namespace kinde_claims {
namespace {

// {"lifetime_subscriber": false} and {"lifetime_subscriber": true}, built once per backend.
Jsonb *flag_objects[2];

// Pushes "lifetime_subscriber": flag into the object being built in `state`.
void push_flag(JsonbParseState **state, bool lifetime_subscriber) {
    JsonbValue key;
    key.type = jbvString;
    key.val.string.val = const_cast<char *>(rules::kLifetimeSubscriber.data());
    key.val.string.len = static_cast<int>(rules::kLifetimeSubscriber.size());
    JsonbValue value;
    value.type = jbvBool;
    value.val.boolean = lifetime_subscriber;
    pushJsonbValue(state, WJB_KEY, &key);
    pushJsonbValue(state, WJB_VALUE, &value);
}

Jsonb *flag_object(bool lifetime_subscriber) {
    Jsonb *&object = flag_objects[lifetime_subscriber ? 1 : 0];
    if (object)
        return object;
    MemoryContext caller_context = MemoryContextSwitchTo(TopMemoryContext);
    JsonbParseState *state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    push_flag(&state, lifetime_subscriber);
    object = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
    MemoryContextSwitchTo(caller_context);
    return object;
}

}  // namespace

Jsonb *token_claims_build(bool lifetime_subscriber, Jsonb *claims) {
    Jsonb *flag = flag_object(lifetime_subscriber);
    if (claims_empty(claims)) {
        auto *copy = static_cast<Jsonb *>(palloc(VARSIZE(flag)));
        memcpy(copy, flag, VARSIZE(flag));
        return copy;
    }
#ifndef KC_ABLATE_JSONB_SPLICE  // set only by bench/ablate, to show what the splice saves
    if (Jsonb *token = claims_with_flag(claims, lifetime_subscriber))
        return token;
#endif
    // Only a row written past the triggers gets here; jsonb_concat lets the column win.
    return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(claims), JsonbPGetDatum(flag)));
}

bool claims_equal(Jsonb *a, Jsonb *b) {
    if (claims_empty(a) || claims_empty(b))
        return claims_empty(a) == claims_empty(b);
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(a), JsonbPGetDatum(b)));
}

Jsonb *empty_object() {
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
}

Jsonb *token_claims_build_merged(bool lifetime_subscriber, Jsonb *user, Jsonb *organization, Jsonb *membership) {
    // One pass over the parts' top-level pairs, in merge order: pushJsonbValue keeps the last
    // value of a repeated key when the object ends, as jsonb_concat does, at a third of the cost
    // of concatenating twice and splicing the flag in.
    JsonbParseState *state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (Jsonb *part : {user, organization, membership}) {
        if (claims_empty(part) || !JB_ROOT_IS_OBJECT(part))
            continue;
        JsonbIterator *iterator = JsonbIteratorInit(&part->root);
        JsonbValue value;
        JsonbIteratorToken token;
        while ((token = JsonbIteratorNext(&iterator, &value, true)) != WJB_DONE)
            if (token == WJB_KEY || token == WJB_VALUE)
                pushJsonbValue(&state, token, &value);
    }
    push_flag(&state, lifetime_subscriber);
    return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
}

}  // namespace kinde_claims
