#include "pg_boundary.hpp"

#include <new>

namespace kinde_claims::pg {
namespace {

// Copies a C string into the current memory context without ever raising a Postgres error.
char *copy_text(const std::string &text) {
    if (text.empty())
        return nullptr;
    auto *copy = static_cast<char *>(
        MemoryContextAllocExtended(CurrentMemoryContext, text.size() + 1, MCXT_ALLOC_NO_OOM));
    if (copy)
        memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

}  // namespace

ErrorData *run_guarded(void (*fn)(void *), void *context) {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    { fn(context); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return error;
}

PendingError capture_current_exception() noexcept {
    PendingError pending;
    try {
        throw;
    } catch (const PostgresError &e) {
        pending.postgres = e.data();
    } catch (const Error &e) {
        pending.sqlstate = e.sqlstate();
        pending.message = copy_text(e.what());
        pending.detail = copy_text(e.detail());
        pending.hint = copy_text(e.hint());
    } catch (const std::bad_alloc &) {
        pending.sqlstate = ERRCODE_OUT_OF_MEMORY;
    } catch (const std::exception &e) {
        pending.message = copy_text(e.what());
    } catch (...) {
    }
    return pending;
}

void raise(const PendingError &pending) {
    if (pending.postgres)
        ReThrowError(pending.postgres);
    if (pending.sqlstate == ERRCODE_OUT_OF_MEMORY && !pending.message)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory in kinde_claims")));
    ereport(ERROR, (errcode(pending.sqlstate),
                    errmsg("%s", pending.message ? pending.message : "unexpected error in kinde_claims"),
                    pending.detail ? errdetail("%s", pending.detail) : 0,
                    pending.hint ? errhint("%s", pending.hint) : 0));
    pg_unreachable();
}

}  // namespace kinde_claims::pg
