// The object a token carries and how claims objects compare (token_claims.cpp, jsonb_splice.cpp,
// profile_row.cpp, kinde_claims_for.cpp).
#pragma once

#include <cstring>
#include <string_view>

#include "pg_boundary.hpp"

extern "C" {
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"
}

namespace kinde_claims {

// The object a token carries: `claims` (NULL or {} for none) with lifetime_subscriber set.
// Allocated in the current memory context.
Jsonb *token_claims_build(bool lifetime_subscriber, Jsonb *claims);
// The token object of the profile with this id, or of an unknown user (kinde_claims_for); for an
// organization (org_code not nullptr), merged with its claims and the membership's.
Jsonb *profile_token_claims(text *kinde_id, text *org_code = nullptr);
// claims || {"lifetime_subscriber": flag} built by splicing the flag into claims' binary image
// (jsonb_splice.cpp), in the current memory context; nullptr when claims is not an object,
// already holds the key, or would grow past jsonb's size limit (jsonb_concat then).
Jsonb *claims_with_flag(const Jsonb *claims, bool lifetime_subscriber);

// One child of an object in Jsonb's binary format: its key, and its value's JEntry type and bytes
// as stored (a number or container without its alignment padding). Points into the datum.
struct ObjectChild {
    std::string_view key;
    uint32 type;
    const char *value;
    uint32 value_size;
};
// Jsonb's key order: shorter first, then bytewise.
inline int jsonb_key_order(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}
// The children of `container`, an object inside the datum that starts at `datum` (alignment is
// relative to the datum's start), into `out` (room for JsonContainerSize); returns how many.
uint32 object_children(const char *datum, const JsonbContainer *container, ObjectChild *out);
// The object of `children` (in Jsonb's key order, no key twice), written straight into Jsonb's
// binary format as jsonb_concat would write it, in the current memory context; nullptr when it
// would pass Jsonb's size limit.
Jsonb *object_from_children(const ObjectChild *children, uint32 count);
// No custom claims: NULL and {} give the same token.
inline bool claims_empty(Jsonb *claims) {
    return claims == nullptr || JB_ROOT_COUNT(claims) == 0;
}
// Two jsonb values with the same bytes (false when either is NULL).
inline bool same_bytes(const Jsonb *a, const Jsonb *b) {
    return a != nullptr && b != nullptr && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}
// Two token parts (a user's, an organization's or a membership's claims) that put the same bytes
// into a token, NULL and {} alike: kinde_claims_for returns the stored bytes, so a stored token
// follows any change of them ({"a": 1.0} after {"a": 1} included).
inline bool claims_same_bytes(Jsonb *a, Jsonb *b) {
    if (claims_empty(a) || claims_empty(b))
        return claims_empty(a) == claims_empty(b);
    return same_bytes(a, b);
}
// Two claims objects with the same JSON value, NULL and {} alike ({"a": 1.0} equals {"a": 1}):
// what decides whether a change is recorded in the history.
bool claims_equal(Jsonb *a, Jsonb *b);
// {}, in the current memory context.
Jsonb *empty_object();

// The object a token for an organization carries: user || organization || membership (later
// names win; any part may be NULL or {}), with the user's lifetime_subscriber.
Jsonb *token_claims_build_merged(bool lifetime_subscriber, Jsonb *user, Jsonb *organization,
                                 Jsonb *membership);

// What a token carries, as read from one row of kinde_claims.profiles.
struct ProfileRow {
    text *kinde_id;  // NULL only in a row a trigger is about to refuse
    bool lifetime_subscriber;
    Jsonb *claims;  // NULL reads as {}
};
ProfileRow profile_row(HeapTuple row, TupleDesc desc);
// Same token object? Compares JSON values, not bytes ({"a": 1.0} equals {"a": 1}).
bool token_claims_equal(const ProfileRow &a, const ProfileRow &b);

}  // namespace kinde_claims
