// "Remember this for the current (sub)transaction", written once: the locks kinde_claims_for
// holds, the parents a membership's write has locked, the token rewrite that is running.
#pragma once

#include <type_traits>

extern "C" {
#include "postgres.h"

#include "access/xact.h"
#include "storage/proc.h"
}

namespace kinde_claims {

// A value that belongs to the (sub)transaction that set it. set() records it with this backend's
// local transaction id and the current subtransaction id; get() returns it only while both still
// match, else nullptr. The end of the transaction, a new subtransaction or one's rollback thus
// forgets it without a callback, and an error thrown while it is set cannot leave it behind for
// a later statement. Whatever it points to must live as long as that (sub)transaction. Trivially
// copyable: saving one and assigning it back restores the outer value around a nested use.
template <typename T>
class TransactionLocal {
    static_assert(std::is_trivially_copyable_v<T>, "kept across calls without a destructor");

public:
    const T *get() const {
        if (transaction_ != MyProc->lxid || subtransaction_ != GetCurrentSubTransactionId())
            return nullptr;
        return &value_;
    }
    bool is_set() const { return get() != nullptr; }
    void set(const T &value) {
        transaction_ = MyProc->lxid;
        subtransaction_ = GetCurrentSubTransactionId();
        value_ = value;
    }
    void forget() { transaction_ = InvalidLocalTransactionId; }

private:
    LocalTransactionId transaction_ = InvalidLocalTransactionId;
    SubTransactionId subtransaction_ = InvalidSubTransactionId;
    T value_{};
};

}  // namespace kinde_claims
