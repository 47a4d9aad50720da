// The C++/Postgres boundary, written once.
//
// Postgres reports errors with longjmp, C++ with exceptions; neither may cross the other's frames.
// - KC_FUNCTION defines an extern "C" entry point that runs its body inside a catch-all and
//   raises the Postgres error only after the catch block has closed, so every destructor has run.
// - pg::call runs a Postgres call inside PG_TRY and turns an error into a pg::PostgresError,
//   for the few places where a C++ object with a destructor is alive across the call.
// Everywhere else, Postgres is called only where no such object is alive.
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "kinde_rules.hpp"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace kinde_claims::pg {

// An error this extension raises: a SQLSTATE and the texts of the Postgres error report.
class Error : public std::exception {
public:
    Error(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : sqlstate_(sqlstate), message_(std::move(message)), detail_(std::move(detail)),
          hint_(std::move(hint)) {}
    explicit Error(const rules::Violation &violation)
        : Error(sqlstate_from_text(violation.sqlstate), violation.message, violation.detail, violation.hint) {
    }

    const char *what() const noexcept override { return message_.c_str(); }
    int sqlstate() const { return sqlstate_; }
    const std::string &detail() const { return detail_; }
    const std::string &hint() const { return hint_; }

    static int sqlstate_from_text(const char *code) {
        return MAKE_SQLSTATE(code[0], code[1], code[2], code[3], code[4]);
    }

private:
    int sqlstate_;
    std::string message_;
    std::string detail_;
    std::string hint_;
};

// A Postgres error caught by pg::call, carried as a C++ exception until it can be re-thrown.
class PostgresError : public std::exception {
public:
    explicit PostgresError(ErrorData *data) : data_(data) {}
    const char *what() const noexcept override { return data_->message ? data_->message : "error"; }
    ErrorData *data() const { return data_; }

private:
    ErrorData *data_;  // palloc'd in the caller's memory context
};

// Runs fn(context) inside PG_TRY. Returns the copied error, or nullptr when fn returned.
// Out of line so that no caller's locals live in a frame that calls sigsetjmp.
ErrorData *run_guarded(void (*fn)(void *), void *context);

// Runs `fn` (which calls Postgres) and converts an ereport(ERROR) into PostgresError.
template <typename Fn>
auto call(Fn &&fn) -> decltype(fn()) {
    using Result = decltype(fn());
    if constexpr (std::is_void_v<Result>) {
        auto thunk = [](void *context) { (*static_cast<Fn *>(context))(); };
        if (ErrorData *error = run_guarded(thunk, &fn))
            throw PostgresError(error);
    } else {
        struct Frame {
            Fn *fn;
            Result result;
        } frame{&fn, Result{}};
        auto thunk = [](void *context) {
            auto *f = static_cast<Frame *>(context);
            f->result = (*f->fn)();
        };
        if (ErrorData *error = run_guarded(thunk, &frame))
            throw PostgresError(error);
        return frame.result;
    }
}

// What a caught exception becomes: either a Postgres error to re-throw, or texts copied out of
// the exception into palloc'd memory so the exception object can die before ereport runs.
struct PendingError {
    ErrorData *postgres = nullptr;
    int sqlstate = ERRCODE_INTERNAL_ERROR;
    char *message = nullptr;
    char *detail = nullptr;
    char *hint = nullptr;
};

// Called inside the catch-all: copies the current exception. Never throws.
PendingError capture_current_exception() noexcept;
// Called after the catch block has closed: raises the error. Does not return.
pg_attribute_noreturn() void raise(const PendingError &pending);

}  // namespace kinde_claims::pg

// Defines the entry point NAME for a SQL function, with a C++ body:
//   KC_FUNCTION(kinde_claims_for) { ...; return datum; }
#define KC_FUNCTION(name)                                                                                    \
    static Datum name##_body(PG_FUNCTION_ARGS);                                                              \
    extern "C" {                                                                                             \
    PG_FUNCTION_INFO_V1(name);                                                                               \
    }                                                                                                        \
    extern "C" Datum name(PG_FUNCTION_ARGS) {                                                                \
        kinde_claims::pg::PendingError pending;                                                              \
        try {                                                                                                \
            return name##_body(fcinfo);                                                                      \
        } catch (...) {                                                                                      \
            pending = kinde_claims::pg::capture_current_exception();                                         \
        }                                                                                                    \
        kinde_claims::pg::raise(pending);                                                                    \
    }                                                                                                        \
    static Datum name##_body(PG_FUNCTION_ARGS)
