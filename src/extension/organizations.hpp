// What the rest of the extension asks of organizations and memberships (0.6.0): a user's change
// reaching the user's memberships, and the webhook's writes. The subsystem's own design and
// shared parts are in member_tokens.hpp.
#pragma once

#include "pg_boundary.hpp"

struct ArrayType;

namespace kinde_claims {

// A user's token changed (member_tokens.cpp): the stored tokens of the user's memberships are
// rewritten and, when `check_size`, the merged-size guarantee checked for each: every (user,
// organization) still fits in max_claims_bytes. Takes the row locks that order it with the
// writes of the other parts, then reads the latest committed state. A user with no
// memberships costs one index probe.
void user_memberships_changed(text *kinde_id, bool check_size);
// Does the user have a membership, in the latest committed state? One index probe.
bool user_has_memberships(text *kinde_id);
// Following Kinde (kinde_webhook_apply), inside the caller's SPI connection or outside one:
// removes an organization and its memberships (true if it was stored); makes sure a membership
// exists (claims kept or {}); removes the user's memberships of organizations not in `keep`
// (a text[]; nullptr removes them all).
bool organization_delete(text *org_code);
void membership_ensure(text *kinde_id, text *org_code);
void memberships_retain(text *kinde_id, ArrayType *keep);

}  // namespace kinde_claims
