// Restore detection: whether the running statement is pg_restore's COPY into one of the
// extension's tables, whose rows come back with the tokens and history a dump carries.
#include "pg_helpers.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/portal.h"
}

namespace kinde_claims {

bool copy_from_into(Oid relid) {
    if (ActivePortal == nullptr || ActivePortal->commandTag != CMDTAG_COPY ||
        list_length(ActivePortal->stmts) != 1)
        return false;
    auto *statement = linitial_node(PlannedStmt, ActivePortal->stmts);
    if (statement->commandType != CMD_UTILITY || !IsA(statement->utilityStmt, CopyStmt))
        return false;
    auto *copy = reinterpret_cast<CopyStmt *>(statement->utilityStmt);
    return copy->is_from && copy->relation != nullptr &&
           RangeVarGetRelid(copy->relation, NoLock, true) == relid;
}

}  // namespace kinde_claims
